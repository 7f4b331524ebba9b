package dev.bastion.cluster.pki;

import dev.bastion.security.SecretBox;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Test fixtures: a throwaway cluster CA and node identities on loopback, and plain JDK contexts for hostile peers
 * that bypass every check {@link FileClusterIdentity} makes when it loads.
 */
public final class TestPki {

    private TestPki() {
    }

    /** A server secret nobody else has. */
    public static SecretBox secret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SecretBox(key);
    }

    /** A fresh CA in {@code dir}, its key sealed under a throwaway server secret. */
    public static ClusterCa ca(Path dir) {
        return ClusterCa.create(dir, secret());
    }

    /** Issues {@code name} for 127.0.0.1 into {@code bundle} and loads it. */
    public static FileClusterIdentity node(ClusterCa ca, String name, Path bundle) {
        ca.issueNode(name, List.of("127.0.0.1"), bundle);
        return FileClusterIdentity.load(bundle);
    }

    /** A plain JDK context presenting {@code chain} with {@code key} (unchecked) and trusting {@code trusted}. */
    static SSLContext rawContext(PrivateKey key, X509Certificate[] chain, X509Certificate trusted) throws Exception {
        KeyManager[] keyManagers = null;
        if (key != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("k", key, new char[0], chain);
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, new char[0]);
            keyManagers = factory.getKeyManagers();
        }
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", trusted);
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(anchors);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, trust.getTrustManagers(), new SecureRandom());
        return context;
    }

    /** A raw context from a bundle's files, without any of the loader's checks. */
    static SSLContext rawContext(Path bundle, X509Certificate trusted) throws Exception {
        return rawContext(Pem.privateKey(Pem.read(bundle.resolve(NodeBundle.NODE_KEY)), bundle),
                new X509Certificate[] {cert(bundle.resolve(NodeBundle.NODE_CERT))}, trusted);
    }

    static X509Certificate cert(Path file) {
        return Pem.certificate(Pem.read(file), file);
    }

    static PrivateKey key(Path file) {
        return Pem.privateKey(Pem.read(file), file);
    }

    /** A certificate signed by {@code signer}, with a node's EKU, for forgeries of every kind. */
    static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, PrivateKey signer,
                                       boolean ca) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), ClusterCa.randomSerial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name(subject), subjectKeys.getPublic())
                .addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        if (ca) {
            builder.addExtension(Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(0));
        }
        byte[] der = builder.build(ClusterCa.signer(signer)).getEncoded();
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
    }
}
