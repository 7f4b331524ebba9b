package dev.bastion.cluster.pki;

/**
 * The files of a node bundle, as {@code bastion cluster join} writes them and {@link FileClusterIdentity} reads them
 * from the node's {@code BASTION_CLUSTER_DIR} (default {@code BASTION_HOME/cluster}).
 */
public final class NodeBundle {

    /** The cluster CA's certificate: the only certificate a node trusts. */
    public static final String CA_CERT = "ca.crt";
    /** This node's certificate (CN = node name, SAN = its address, EKU serverAuth + clientAuth). */
    public static final String NODE_CERT = "node.crt";
    /** This node's private key, unencrypted PKCS#8 PEM, 0600: the node must start unattended. */
    public static final String NODE_KEY = "node.key";
    /** The cluster's 32-byte state-sealing key, base64, 0600. */
    public static final String CLUSTER_KEY = "cluster.key";
    /** The CA-signed revocation list; a newer one replaces it in place to revoke a node. */
    public static final String CRL = "crl.pem";
    /** Environment variable naming the node's bundle directory. */
    public static final String ENV_DIR = "BASTION_CLUSTER_DIR";
    /** Default bundle directory under BASTION_HOME. */
    public static final String DEFAULT_DIR = "cluster";

    private NodeBundle() {
    }

    /** The node's bundle directory: {@code BASTION_CLUSTER_DIR}, else {@code home/cluster}. */
    public static java.nio.file.Path directory(java.util.Map<String, String> env, java.nio.file.Path home) {
        String configured = env.get(ENV_DIR);
        return configured != null && !configured.isBlank() ? java.nio.file.Path.of(configured).toAbsolutePath()
                : home.resolve(DEFAULT_DIR);
    }
}
