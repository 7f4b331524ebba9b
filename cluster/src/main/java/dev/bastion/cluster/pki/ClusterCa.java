package dev.bastion.cluster.pki;

import dev.bastion.security.SecretBox;
import dev.bastion.security.SecureFiles;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The cluster's certificate authority, kept in {@code BASTION_HOME/cluster-ca/}: {@code ca.crt}; {@code ca.key} and
 * {@code cluster.key} sealed under the server secret ({@link SecretBox}), so a copy of the directory alone reveals
 * neither; {@code issued.tsv} (serial, node, expiry of every certificate issued) and {@code crl.pem} (the CA-signed
 * list of revoked serials). Keys are EC P-256 with ECDSA-SHA256: every JDK TLS 1.3 stack signs and verifies it
 * natively, on both ends, with no provider to install.
 */
public final class ClusterCa {

    public static final String CA_CERT = NodeBundle.CA_CERT;
    public static final String CA_KEY = "ca.key";
    public static final String CLUSTER_KEY = "cluster.key";
    public static final String CRL = NodeBundle.CRL;
    public static final String ISSUED = "issued.tsv";
    /** Default directory under BASTION_HOME. */
    public static final String DEFAULT_DIR = "cluster-ca";
    public static final Duration NODE_VALIDITY = Duration.ofDays(365);
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Tolerates clocks a little behind the CA's on the nodes. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    static final String SIGNATURE = "SHA256withECDSA";
    private static final String SEALED_LABEL = "BASTION SEALED PRIVATE KEY";
    private static final String SEALED_CLUSTER_LABEL = "BASTION SEALED CLUSTER KEY";
    private static final byte[] CA_KEY_AAD = "bastion/cluster-ca/ca.key".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CLUSTER_KEY_AAD = "bastion/cluster-ca/cluster.key".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X509Certificate certificate;
    private final PrivateKey key;
    private final byte[] clusterKey;

    private ClusterCa(Path dir, X509Certificate certificate, PrivateKey key, byte[] clusterKey) {
        this.dir = dir;
        this.certificate = certificate;
        this.key = key;
        this.clusterKey = clusterKey;
    }

    public static boolean exists(Path dir) {
        return Files.exists(dir.resolve(CA_CERT)) || Files.exists(dir.resolve(CA_KEY));
    }

    /** Creates a new CA in {@code dir} (0700), refusing to replace an existing one. */
    public static ClusterCa create(Path dir, SecretBox serverSecret) {
        if (exists(dir)) {
            throw new IllegalStateException("a cluster CA already exists in " + dir + "; refusing to replace it");
        }
        KeyPair pair = newKeyPair();
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        // A random part in the name: two clusters' CAs never look alike, in logs or in a trust store.
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Bastion")
                .addRDN(BCStyle.CN, "Bastion cluster CA " + HexFormat.of().formatHex(id)).build();
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, randomSerial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
                    // pathLen 0: the CA signs node certificates only; a node certificate can never sign another.
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = convert(builder.build(signer(pair.getPrivate())).toASN1Structure().getEncoded());
            byte[] clusterKey = new byte[32];
            RANDOM.nextBytes(clusterKey);
            SecureFiles.createPrivateDirectories(dir);
            SecureFiles.writeNewOwnerOnly(dir.resolve(CA_KEY),
                    sealedPem(SEALED_LABEL, serverSecret.encrypt(Pem.encodeBytes(pair.getPrivate()), CA_KEY_AAD)));
            SecureFiles.writeNewOwnerOnly(dir.resolve(CLUSTER_KEY),
                    sealedPem(SEALED_CLUSTER_LABEL, serverSecret.encrypt(clusterKey, CLUSTER_KEY_AAD)));
            SecureFiles.createOrRestrictOwnerOnly(dir.resolve(ISSUED));
            ClusterCa ca = new ClusterCa(dir, certificate, pair.getPrivate(), clusterKey);
            ca.writeRevocationList(List.of(), BigInteger.ONE);
            // Written last: a CA directory with ca.crt is complete.
            SecureFiles.writeNewOwnerOnly(dir.resolve(CA_CERT), Pem.encodeBytes(certificate));
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster CA in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the cluster CA key", e);
        }
    }

    /** Opens the CA in {@code dir}, unsealing its key with the server secret it was created under. */
    public static ClusterCa load(Path dir, SecretBox serverSecret) {
        if (!Files.exists(dir.resolve(CA_CERT))) {
            throw new IllegalStateException("no cluster CA in " + dir + " (run 'bastion cluster init' first)");
        }
        X509Certificate certificate = Pem.certificate(readSecret(dir.resolve(CA_CERT)), dir.resolve(CA_CERT));
        PrivateKey key = Pem.privateKey(new String(unseal(dir.resolve(CA_KEY), SEALED_LABEL, serverSecret, CA_KEY_AAD),
                StandardCharsets.US_ASCII), dir.resolve(CA_KEY));
        byte[] clusterKey = unseal(dir.resolve(CLUSTER_KEY), SEALED_CLUSTER_LABEL, serverSecret, CLUSTER_KEY_AAD);
        if (clusterKey.length != 32) {
            throw new IllegalStateException(dir.resolve(CLUSTER_KEY) + " does not hold a 32-byte cluster key");
        }
        if (!Keys.matches(key, certificate.getPublicKey())) {
            throw new IllegalStateException(dir.resolve(CA_KEY) + " is not the key of " + dir.resolve(CA_CERT));
        }
        return new ClusterCa(dir, certificate, key, clusterKey);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public Path directory() {
        return dir;
    }

    /** Issues a certificate valid for {@link #NODE_VALIDITY} and writes the node's bundle into {@code bundleDir}. */
    public IssuedNode issueNode(String name, List<String> addresses, Path bundleDir) {
        Instant now = Instant.now();
        return issueNode(name, addresses, bundleDir, now.minus(BACKDATE), now.plus(NODE_VALIDITY));
    }

    /**
     * Issues a node certificate valid from {@code notBefore} to {@code notAfter} (CN = name, SAN = each address,
     * EKU serverAuth + clientAuth, random 127-bit serial) with a fresh key, and writes the bundle: {@code ca.crt},
     * {@code node.crt}, {@code node.key}, {@code cluster.key}, {@code crl.pem}, all 0600 in a 0700 directory that
     * must not exist yet or be empty.
     */
    public IssuedNode issueNode(String name, List<String> addresses, Path bundleDir, Instant notBefore, Instant notAfter) {
        NodeName.require(name);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a node certificate needs at least one address (--address)");
        }
        Set<NodeAddress> parsed = new LinkedHashSet<>();
        addresses.forEach(address -> parsed.add(NodeAddress.parse(address)));
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("a certificate must end after it begins");
        }
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            throw new IllegalArgumentException("a node certificate cannot outlive the CA (valid until "
                    + certificate.getNotAfter().toInstant() + ")");
        }
        refuseNonEmpty(bundleDir);
        KeyPair pair = newKeyPair();
        BigInteger serial = randomSerial();
        GeneralName[] names = parsed.stream()
                .map(a -> new GeneralName(a.ip() ? GeneralName.iPAddress : GeneralName.dNSName, a.value()))
                .toArray(GeneralName[]::new);
        try (CaLock ignored = lock()) {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial,
                    Date.from(notBefore), Date.from(notAfter),
                    new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build(), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
            X509Certificate issued = convert(builder.build(signer(key)).toASN1Structure().getEncoded());
            // Indexed before the bundle is written: every certificate that could exist can be found and revoked.
            Files.writeString(dir.resolve(ISSUED), serial.toString(16).toUpperCase(Locale.ROOT) + "\t" + name + "\t"
                    + notAfter + "\n", StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
            SecureFiles.createPrivateDirectories(bundleDir);
            SecureFiles.writeNewOwnerOnly(bundleDir.resolve(NodeBundle.CA_CERT), Pem.encodeBytes(certificate));
            SecureFiles.writeNewOwnerOnly(bundleDir.resolve(NodeBundle.NODE_CERT), Pem.encodeBytes(issued));
            SecureFiles.writeNewOwnerOnly(bundleDir.resolve(NodeBundle.NODE_KEY), Pem.encodeBytes(pair.getPrivate()));
            SecureFiles.writeNewOwnerOnly(bundleDir.resolve(NodeBundle.CLUSTER_KEY),
                    (Base64.getEncoder().encodeToString(clusterKey) + "\n").getBytes(StandardCharsets.US_ASCII));
            SecureFiles.writeNewOwnerOnly(bundleDir.resolve(NodeBundle.CRL), Files.readAllBytes(dir.resolve(CRL)));
            return new IssuedNode(name, serial, notAfter, bundleDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot issue the certificate of node " + name + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue the certificate of node " + name, e);
        }
    }

    /**
     * Revokes every not yet revoked certificate issued to {@code name}: their serials join {@code crl.pem}, re-signed
     * with a higher CRL number. Returns the serials revoked now; an error if the CA never issued one to that name.
     */
    public List<BigInteger> revoke(String name) {
        NodeName.require(name);
        try (CaLock ignored = lock()) {
            List<BigInteger> issued = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve(ISSUED), StandardCharsets.US_ASCII)) {
                String[] fields = line.split("\t");
                if (fields.length == 3 && fields[1].equals(name)) {
                    issued.add(new BigInteger(fields[0], 16));
                }
            }
            if (issued.isEmpty()) {
                throw new IllegalArgumentException("this CA has issued no certificate to node " + name);
            }
            X509CRLHolder current = revocationList();
            List<X509CRLEntryHolder> entries = new ArrayList<>(current.getRevokedCertificates());
            Set<BigInteger> already = new LinkedHashSet<>();
            entries.forEach(entry -> already.add(entry.getSerialNumber()));
            List<BigInteger> now = issued.stream().filter(serial -> !already.contains(serial)).toList();
            if (!now.isEmpty()) {
                BigInteger number = CRLNumber.getInstance(current.getExtension(Extension.cRLNumber).getParsedValue())
                        .getCRLNumber().add(BigInteger.ONE);
                List<BigInteger> all = new ArrayList<>(already);
                all.addAll(now);
                writeRevocationList(all, number);
            }
            return now;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot revoke node " + name + ": " + e.getMessage(), e);
        }
    }

    /** The CA's current revocation list, verified against its own certificate. */
    public X509CRLHolder revocationList() {
        return RevocationList.verify(Pem.crl(readSecret(dir.resolve(CRL)), dir.resolve(CRL)), certificate, dir.resolve(CRL));
    }

    private void writeRevocationList(List<BigInteger> revoked, BigInteger number) throws IOException {
        X509CRLHolder previous = Files.exists(dir.resolve(CRL)) ? revocationList() : null;
        Date now = new Date();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), now);
        for (BigInteger serial : revoked) {
            X509CRLEntryHolder kept = previous == null ? null : previous.getRevokedCertificate(serial);
            builder.addCRLEntry(serial, kept != null ? kept.getRevocationDate() : now, CRLReason.cessationOfOperation);
        }
        try {
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the revocation list", e);
        }
        byte[] pem = Pem.encodeBytes(builder.build(signer(key)));
        Path target = dir.resolve(CRL);
        SecureFiles.refuseSymbolicLink(target);
        Path temporary = Files.createTempFile(dir, ".crl", ".tmp", SecureFiles.ownerOnlyFile());
        try {
            Files.write(temporary, pem);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Serialises issuing and revoking between concurrent commands on one CA directory. */
    private CaLock lock() throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock();
            return new CaLock(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Closing the channel releases its lock. */
    private record CaLock(FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static void refuseNonEmpty(Path bundleDir) {
        try {
            if (Files.isSymbolicLink(bundleDir) || Files.exists(bundleDir) && !Files.isDirectory(bundleDir)) {
                throw new IllegalArgumentException(bundleDir + " exists and is not a directory");
            }
            if (Files.isDirectory(bundleDir)) {
                try (var entries = Files.list(bundleDir)) {
                    if (entries.findAny().isPresent()) {
                        throw new IllegalArgumentException("bundle directory " + bundleDir
                                + " is not empty; choose another --out or remove it");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inspect " + bundleDir + ": " + e.getMessage(), e);
        }
    }

    private static String readSecret(Path file) {
        try {
            SecureFiles.refuseSymbolicLink(file);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage());
        }
        return Pem.read(file);
    }

    private static byte[] sealedPem(String label, byte[] sealed) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(label, sealed));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode PEM", e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] unseal(Path file, String label, SecretBox serverSecret, byte[] aad) {
        PemObject object;
        try (PemReader reader = new PemReader(new StringReader(readSecret(file)))) {
            object = reader.readPemObject();
        } catch (IOException | RuntimeException e) {
            object = null;
        }
        if (object == null || !object.getType().equals(label)) {
            throw new IllegalStateException(file + " is corrupt: not a sealed Bastion key");
        }
        try {
            return serverSecret.decrypt(object.getContent(), aad);
        } catch (SecretBox.TamperedException e) {
            throw new IllegalStateException("cannot open " + file + ": it was sealed under another server secret"
                    + " (BASTION_SECRET_KEY / secret.key) or has been altered");
        }
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is unavailable in this JDK", e);
        }
    }

    /** Positive, non-zero and at most 127 bits, so it always fits the 20 octets RFC 5280 allows. */
    static BigInteger randomSerial() {
        BigInteger serial;
        do {
            serial = new BigInteger(127, RANDOM);
        } while (serial.signum() == 0);
        return serial;
    }

    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(SIGNATURE).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with " + SIGNATURE, e);
        }
    }

    private static X509Certificate convert(byte[] der) {
        try {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalStateException("cannot read back an issued certificate", e);
        }
    }
}
