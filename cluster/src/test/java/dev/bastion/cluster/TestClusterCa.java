package dev.bastion.cluster;

import dev.bastion.security.SecretBox;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * A throwaway cluster CA for tests (EC P-256): node certificates for loopback, and bundles in the layout the real CA
 * writes ({@code ca.crt}, {@code node.crt}, {@code node.key}, {@code cluster.key}). Stands in for cluster-pki's CA.
 */
final class TestClusterCa {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;
    private final byte[] stateKey;

    private TestClusterCa(KeyPair keys, X509Certificate certificate, byte[] stateKey) {
        this.keys = keys;
        this.certificate = certificate;
        this.stateKey = stateKey;
    }

    static TestClusterCa create(String name) throws Exception {
        KeyPair keys = keyPair();
        X500Name subject = new X500Name("CN=" + name);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))), subject,
                keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        byte[] stateKey = new byte[32];
        RANDOM.nextBytes(stateKey);
        return new TestClusterCa(keys, sign(builder, keys.getPrivate()), stateKey);
    }

    X509Certificate certificate() {
        return certificate;
    }

    /** A node of this cluster, its certificate valid for 127.0.0.1 and localhost. */
    ClusterIdentity issue(String node) throws Exception {
        KeyPair nodeKeys = keyPair();
        X509Certificate cert = nodeCertificate(node, nodeKeys);
        return identity(node, cert, nodeKeys.getPrivate(), certificate, stateKey);
    }

    /** Writes {@code node}'s bundle into {@code dir}, as {@code bastion cluster join} would. */
    Path writeBundle(String node, Path dir) throws Exception {
        KeyPair nodeKeys = keyPair();
        X509Certificate cert = nodeCertificate(node, nodeKeys);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ca.crt"), pem(certificate));
        Files.writeString(dir.resolve("node.crt"), pem(cert));
        Files.writeString(dir.resolve("node.key"), pem(nodeKeys.getPrivate()));
        Files.writeString(dir.resolve("cluster.key"), Base64.getEncoder().encodeToString(stateKey) + "\n");
        return dir;
    }

    /** Reads a bundle written by {@link #writeBundle}, as {@code bastion serve} does. */
    static ClusterIdentity load(Path dir) {
        return PemBundleIdentity.load(dir);
    }

    private X509Certificate nodeCertificate(String node, KeyPair nodeKeys) throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), serial(),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))),
                new X500Name("CN=" + node), nodeKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        return sign(builder, keys.getPrivate());
    }

    private static ClusterIdentity identity(String name, X509Certificate cert, PrivateKey key, X509Certificate ca,
                                            byte[] stateKey) throws Exception {
        return PemBundleIdentity.of(name, cert, key, ca, new SecretBox(stateKey));
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signer) throws Exception {
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof PrivateKey k ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", k.getEncoded()) : o);
        }
        return out.toString();
    }
}
