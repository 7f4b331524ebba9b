package dev.bastion.cluster.pki;

import dev.bastion.cluster.ClusterIdentity;
import dev.bastion.security.SecretBox;
import dev.bastion.security.SecureFiles;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * A node's identity from its bundle directory ({@code BASTION_CLUSTER_DIR}, default {@code BASTION_HOME/cluster}), as
 * {@code bastion cluster join} wrote it. Loading checks everything a peer would, so a bad bundle fails at start-up with
 * a message naming the file, not at the first handshake: the node certificate is issued by the bundle's CA, is valid
 * now, is not revoked, and {@code node.key} is its key; the secret files are not readable by others.
 *
 * <p>Peers are verified by the trust manager (cluster CA only, TLS 1.3, node EKU, revocation list). A client also
 * checks the host name it dialled against the peer certificate's SAN ({@link #clientParameters()}, endpoint
 * identification "HTTPS", which the JDK HttpClient applies by default): a valid certificate of node B then cannot
 * answer for node C's address, so a stolen node key does not let its holder stand in for every node.
 */
public final class FileClusterIdentity implements ClusterIdentity {

    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    /** Longer than the JDK's maximum ticket lifetime (7 days), so it issues none. */
    private static final int NO_SESSION_TICKETS = 604_800 + 1;

    private final String nodeName;
    private final X509Certificate certificate;
    private final X509Certificate ca;
    private final SSLContext sslContext;
    private final SecretBox stateKey;
    private final RevocationList revocations;

    private FileClusterIdentity(String nodeName, X509Certificate certificate, X509Certificate ca, SSLContext sslContext,
                                SecretBox stateKey, RevocationList revocations) {
        this.revocations = revocations;
        this.nodeName = nodeName;
        this.certificate = certificate;
        this.ca = ca;
        this.sslContext = sslContext;
        this.stateKey = stateKey;
    }

    /** Loads and checks the bundle in {@code dir}; every failure is an {@link IllegalStateException} naming the file. */
    public static FileClusterIdentity load(Path dir) {
        return load(dir, Instant.now());
    }

    /** Loads the bundle in {@code BASTION_CLUSTER_DIR}, else {@code home/cluster}. */
    public static FileClusterIdentity load(java.util.Map<String, String> env, Path home) {
        return load(NodeBundle.directory(env, home));
    }

    static FileClusterIdentity load(Path dir, Instant now) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no cluster bundle at " + dir
                    + " (issue one with 'bastion cluster join' on the CA machine and copy it here)");
        }
        Path caFile = dir.resolve(NodeBundle.CA_CERT);
        Path certFile = dir.resolve(NodeBundle.NODE_CERT);
        Path keyFile = dir.resolve(NodeBundle.NODE_KEY);
        Path clusterKeyFile = dir.resolve(NodeBundle.CLUSTER_KEY);
        X509Certificate ca = Pem.certificate(read(caFile, false), caFile);
        X509Certificate certificate = Pem.certificate(read(certFile, false), certFile);
        PrivateKey key = Pem.privateKey(read(keyFile, true), keyFile);
        SecretBox stateKey = new SecretBox(clusterKey(read(clusterKeyFile, true), clusterKeyFile));

        if (ca.getBasicConstraints() < 0 || !verifies(ca, ca)) {
            throw new IllegalStateException(caFile + " is not a cluster CA certificate (tampered, or not a CA)");
        }
        if (!ca.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()) || !verifies(certificate, ca)) {
            throw new IllegalStateException(certFile + " was not issued by the CA in " + caFile
                    + " (tampered, or from another cluster)");
        }
        String name;
        try {
            certificate.checkValidity(java.util.Date.from(now));
            name = ClusterTrustManager.nodeName(certificate);
        } catch (java.security.cert.CertificateExpiredException e) {
            throw new IllegalStateException(certFile + " expired on " + certificate.getNotAfter().toInstant()
                    + "; issue a new bundle with 'bastion cluster join'");
        } catch (java.security.cert.CertificateNotYetValidException e) {
            throw new IllegalStateException(certFile + " is not valid before " + certificate.getNotBefore().toInstant()
                    + " (check this machine's clock)");
        } catch (CertificateException e) {
            throw new IllegalStateException(certFile + ": " + e.getMessage());
        }
        if (!Keys.matches(key, certificate.getPublicKey())) {
            throw new IllegalStateException(keyFile + " is not the key of " + certFile);
        }
        RevocationList revocations = new RevocationList(dir.resolve(NodeBundle.CRL), ca);
        if (revocations.isRevoked(certificate.getSerialNumber())) {
            throw new IllegalStateException(certFile + " (node " + name + ") has been revoked by the cluster CA");
        }
        return new FileClusterIdentity(name, certificate, ca,
                context(key, certificate, ca, new ClusterTrustManager(ca, revocations)), stateKey, revocations);
    }

    private static SSLContext context(PrivateKey key, X509Certificate certificate, X509Certificate ca, TrustManager trust) {
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("node", key, password, new Certificate[] {certificate, ca});
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keys.getKeyManagers(), new TrustManager[] {trust}, new SecureRandom());
            // No TLS 1.3 resumption: a resumed session skips the trust manager, so a node revoked since its last
            // handshake could come back in. The JDK issues no session tickets when the server session lifetime
            // exceeds the 7-day ticket maximum (ClusterTlsTest checks that a revoked node cannot resume).
            context.getServerSessionContext().setSessionTimeout(NO_SESSION_TICKETS);
            return Tls13Context.wrap(context);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the node's TLS context", e);
        }
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public SSLContext sslContext() {
        return sslContext;
    }

    @Override
    public SecretBox stateKey() {
        return stateKey;
    }

    @Override
    public X509Certificate certificate() {
        return certificate;
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    public BigInteger serial() {
        return certificate.getSerialNumber();
    }

    /** For the node port: TLS 1.3 only, a client certificate required. */
    public static SSLParameters serverParameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(Tls13Context.PROTOCOLS);
        parameters.setNeedClientAuth(true);
        return parameters;
    }

    /** For calls to peers: TLS 1.3 only, and the dialled host must be in the peer certificate's SAN. */
    public static SSLParameters clientParameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(Tls13Context.PROTOCOLS);
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    /**
     * The node on the other end of a session this identity's context accepted, re-checked now: still valid, and not
     * on the revocation list as it is on disk at this moment. Call it for every request on the node port (and on each
     * response from a peer, {@code HttpResponse.sslSession()}): a connection opened before a revocation stays open
     * until closed, and only this check notices.
     */
    @Override
    public Object revocationGeneration() {
        return revocations.generation();
    }

    @Override
    public String verifyPeer(SSLSession session) throws SSLPeerUnverifiedException {
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new SSLPeerUnverifiedException("the peer presented no X.509 certificate");
        }
        try {
            if (!verifies(leaf, ca)) {
                throw new CertificateException("the peer certificate was not issued by the cluster CA");
            }
            leaf.checkValidity();
            revocations.check(leaf.getSerialNumber());
            return ClusterTrustManager.nodeName(leaf);
        } catch (CertificateException e) {
            throw new SSLPeerUnverifiedException(e.getMessage());
        }
    }

    private static boolean verifies(X509Certificate certificate, X509Certificate issuer) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] clusterKey(String text, Path file) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " is corrupt: not base64");
        }
        if (key.length != 32) {
            throw new IllegalStateException(file + " is corrupt: the cluster key must be 32 bytes, not " + key.length);
        }
        return key;
    }

    /** Reads a bundle file, refusing a symbolic link and (for secrets) a file that others may read. */
    private static String read(Path file, boolean secret) {
        try {
            SecureFiles.refuseSymbolicLink(file);
            if (secret && Files.exists(file) && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
                if (permissions.stream().anyMatch(OTHERS::contains)) {
                    throw new IllegalStateException(file + " is readable or writable by other users; chmod 600 it");
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage());
        }
        return Pem.read(file);
    }
}
