package dev.bastion.cluster;

import dev.bastion.security.SecretBox;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * A node's identity from its certificate bundle ({@code ca.crt}, {@code node.crt}, {@code node.key} PKCS#8,
 * {@code cluster.key} base64): TLS 1.3, presenting the node certificate, trusting only the cluster CA. Interim loader
 * so that {@code bastion serve} can run a cluster; cluster-pki's {@code FileClusterIdentity} (same files, with its
 * own checks) replaces it.
 */
public final class PemBundleIdentity {

    private PemBundleIdentity() {
    }

    public static ClusterIdentity load(Path dir) {
        try {
            X509Certificate ca = certificate(dir.resolve("ca.crt"));
            X509Certificate node = certificate(dir.resolve("node.crt"));
            node.checkValidity();
            node.verify(ca.getPublicKey()); // issued by this cluster's CA
            PrivateKey key;
            try (Reader r = Files.newBufferedReader(dir.resolve("node.key")); PEMParser parser = new PEMParser(r)) {
                if (!(parser.readObject() instanceof PrivateKeyInfo info)) throw new IOException("node.key is not a PKCS#8 key");
                key = new JcaPEMKeyConverter().getPrivateKey(info);
            }
            byte[] state = Base64.getDecoder().decode(Files.readString(dir.resolve("cluster.key")).trim());
            String name = node.getSubjectX500Principal().getName().replaceFirst("^CN=", "").replaceFirst(",.*$", "");
            return of(name, node, key, ca, new SecretBox(state));
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("the cluster certificate bundle in " + dir + " lacks " + e.getFile()
                    + " (bastion cluster join writes it)");
        } catch (IOException | GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalStateException("the cluster certificate bundle in " + dir + " is not usable: " + e.getMessage());
        }
    }

    static ClusterIdentity of(String name, X509Certificate cert, PrivateKey key, X509Certificate ca, SecretBox stateKey)
            throws GeneralSecurityException, IOException {
        char[] password = new char[0];
        KeyStore own = KeyStore.getInstance("PKCS12");
        own.load(null, null);
        own.setKeyEntry("node", key, password, new X509Certificate[]{cert, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(own, password);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return new ClusterIdentity() {
            @Override
            public String nodeName() {
                return name;
            }

            @Override
            public SSLContext sslContext() {
                return tls;
            }

            @Override
            public SecretBox stateKey() {
                return stateKey;
            }
        };
    }

    private static X509Certificate certificate(Path file) throws IOException, GeneralSecurityException {
        try (Reader r = Files.newBufferedReader(file); PEMParser parser = new PEMParser(r)) {
            if (!(parser.readObject() instanceof X509CertificateHolder holder)) throw new IOException(file.getFileName() + " is not a certificate");
            return new JcaX509CertificateConverter().getCertificate(holder);
        }
    }
}
