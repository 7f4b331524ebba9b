package dev.bastion.cluster.pki;

import dev.bastion.security.SecretBox;
import org.bouncycastle.openssl.PEMParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CA on disk, the certificates it issues, and what a node makes of a damaged bundle. */
class ClusterCaTest {

    @TempDir
    Path tmp;

    private final SecretBox secret = TestPki.secret();

    @Test
    void theCaKeyOnDiskIsNotPlaintextAndOpensOnlyWithItsServerSecret() throws Exception {
        Path dir = tmp.resolve("cluster-ca");
        ClusterCa ca = ClusterCa.create(dir, secret);
        String onDisk = Files.readString(dir.resolve("ca.key"));
        assertThat(onDisk).startsWith("-----BEGIN BASTION SEALED PRIVATE KEY-----").doesNotContain("BEGIN PRIVATE KEY");
        // Neither a PEM key nor, once base64-decoded, a PKCS#8 structure a key factory would take.
        assertThatThrownBy(() -> new PEMParser(new StringReader(onDisk)).readObject())
                .hasMessageContaining("unrecognised object");
        byte[] body = Base64.getMimeDecoder().decode(onDisk.replaceAll("-----[A-Z ]+-----", ""));
        assertThatThrownBy(() -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(body)))
                .isInstanceOf(java.security.spec.InvalidKeySpecException.class);
        assertThatThrownBy(() -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(body, "EC")))
                .isInstanceOf(java.security.spec.InvalidKeySpecException.class);
        // The cluster key is sealed too: the bundle's plain copy does not appear in the CA directory.
        ca.issueNode("node-a", List.of("127.0.0.1"), tmp.resolve("a"));
        String plainClusterKey = Files.readString(tmp.resolve("a/cluster.key")).trim();
        assertThat(Files.readString(dir.resolve("cluster.key"))).doesNotContain(plainClusterKey);

        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        for (String file : List.of("ca.crt", "ca.key", "cluster.key", "crl.pem", "issued.tsv")) {
            assertThat(Files.getPosixFilePermissions(dir.resolve(file))).as(file).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }

        assertThatThrownBy(() -> ClusterCa.load(dir, TestPki.secret()))
                .hasMessageContaining("ca.key").hasMessageContaining("another server secret")
                .hasMessageNotContaining(onDisk.substring(50, 70));
        ClusterCa reopened = ClusterCa.load(dir, secret);
        assertThat(reopened.certificate()).isEqualTo(ca.certificate());
        // And the reopened CA issues bundles with the same cluster key.
        reopened.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("b"));
        assertThat(Files.readString(tmp.resolve("b/cluster.key")).trim()).isEqualTo(plainClusterKey);
    }

    @Test
    void aSecondInitDoesNotReplaceTheCa() {
        Path dir = tmp.resolve("cluster-ca");
        ClusterCa ca = ClusterCa.create(dir, secret);
        assertThatThrownBy(() -> ClusterCa.create(dir, secret)).hasMessageContaining("already exists");
        assertThat(ClusterCa.load(dir, secret).certificate()).isEqualTo(ca.certificate());
    }

    @Test
    void aSwappedOrDamagedCaKeyIsNamed() throws Exception {
        Path dir = tmp.resolve("cluster-ca");
        ClusterCa.create(dir, secret);
        ClusterCa.create(tmp.resolve("other"), secret);
        Files.copy(tmp.resolve("other/ca.key"), dir.resolve("ca.key"), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> ClusterCa.load(dir, secret)).hasMessageContaining("ca.key is not the key of");
        Files.writeString(dir.resolve("ca.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> ClusterCa.load(dir, secret)).hasMessageContaining("ca.key is corrupt");
    }

    @Test
    void issuedCertificatesNameTheNodeAndItsAddressesAndServeBothSides() throws Exception {
        ClusterCa ca = ClusterCa.create(tmp.resolve("ca"), secret);
        IssuedNode first = ca.issueNode("node-a", List.of("10.0.0.5", "NODE-A.Internal", "fd00::5"), tmp.resolve("a"));
        IssuedNode second = ca.issueNode("node-a", List.of("10.0.0.5"), tmp.resolve("a2"));
        X509Certificate cert = TestPki.cert(tmp.resolve("a/node.crt"));

        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=node-a");
        assertThat(cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                .containsExactly("10.0.0.5", "node-a.internal", "fd00:0:0:0:0:0:0:5");
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isBetween(Duration.ofDays(365), Duration.ofDays(366));
        cert.verify(ca.certificate().getPublicKey());

        assertThat(first.serial()).isEqualTo(cert.getSerialNumber()).isPositive().isNotEqualTo(second.serial());
        assertThat(first.serial().bitLength()).isGreaterThan(100);
        assertThat(Files.readString(tmp.resolve("ca/issued.tsv")))
                .contains(first.serialHex() + "\tnode-a\t").contains(second.serialHex() + "\tnode-a\t");
        for (String file : List.of("ca.crt", "node.crt", "node.key", "cluster.key", "crl.pem")) {
            assertThat(Files.getPosixFilePermissions(tmp.resolve("a").resolve(file))).as(file)
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(Files.getPosixFilePermissions(tmp.resolve("a"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(FileClusterIdentity.load(tmp.resolve("a")).nodeName()).isEqualTo("node-a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../evil", "a/b", "a\\b", "..", ".", "node.a", "node a", "Node-A", "-node", "node-",
            "node\u0000", "node\n", "nöde", "nodе-a" /* Cyrillic e */, "a_b", "%2e%2e",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void oddNodeNamesAreRefusedBeforeAnythingIsWritten(String name) throws Exception {
        ClusterCa ca = ClusterCa.create(tmp.resolve("ca"), secret);
        Path out = tmp.resolve("bundles").resolve("x");
        assertThatThrownBy(() -> ca.issueNode(name, List.of("127.0.0.1"), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid node name")
                .hasMessageNotContaining("\n").hasMessageNotContaining("\u0000");
        assertThat(out.getParent()).doesNotExist();
        assertThat(Files.readString(tmp.resolve("ca/issued.tsv"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "http://node-a", "node-a:11435", "10.0.0.256", "1.2.3", "01.2.3.4", "node a", "node_a",
            "a..b", ".node", "fe80::1%eth0", "[::1]:80", "::g", "127.0.0.1\n", "*.example.com", "12.34"})
    void oddAddressesAreRefused(String address) {
        assertThatThrownBy(() -> NodeAddress.parse(address)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid node address");
    }

    @Test
    void addressesAreNormalised() {
        assertThat(NodeAddress.parse("127.0.0.1")).isEqualTo(new NodeAddress("127.0.0.1", true));
        assertThat(NodeAddress.parse("[::1]")).isEqualTo(new NodeAddress("0:0:0:0:0:0:0:1", true));
        assertThat(NodeAddress.parse("Node-B.Example")).isEqualTo(new NodeAddress("node-b.example", false));
    }

    @Test
    void aBundleIsNeverWrittenOverAnother() throws Exception {
        ClusterCa ca = ClusterCa.create(tmp.resolve("ca"), secret);
        ca.issueNode("node-a", List.of("127.0.0.1"), tmp.resolve("a"));
        byte[] key = Files.readAllBytes(tmp.resolve("a/node.key"));
        assertThatThrownBy(() -> ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("a"))).hasMessageContaining("not empty");
        assertThat(Files.readAllBytes(tmp.resolve("a/node.key"))).isEqualTo(key);
        Files.createDirectories(tmp.resolve("empty"));
        assertThat(ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("empty")).bundle()).isEqualTo(tmp.resolve("empty"));
        assertThatThrownBy(() -> ca.issueNode("node-c", List.of("127.0.0.1"), tmp.resolve("x"),
                Instant.now(), Instant.now().plus(Duration.ofDays(4000)))).hasMessageContaining("outlive the CA");
        assertThatThrownBy(() -> ca.issueNode("node-c", List.of(), tmp.resolve("x"))).hasMessageContaining("--address");
    }

    @Test
    void aTamperedBundleFailsWithAMessageNamingTheFile() throws Exception {
        ClusterCa ca = ClusterCa.create(tmp.resolve("ca"), secret);
        ClusterCa other = ClusterCa.create(tmp.resolve("other"), secret);
        other.issueNode("node-x", List.of("127.0.0.1"), tmp.resolve("x"));

        Path a = fresh(ca, "a1");
        String cert = Files.readString(a.resolve("node.crt"));
        int middle = cert.length() / 2;
        Files.writeString(a.resolve("node.crt"), cert.substring(0, middle) + (cert.charAt(middle) == 'A' ? 'B' : 'A') + cert.substring(middle + 1));
        assertThatThrownBy(() -> FileClusterIdentity.load(a)).isInstanceOf(IllegalStateException.class).hasMessageContaining("node.crt");

        Path b = fresh(ca, "a2");
        Files.copy(tmp.resolve("other/ca.crt"), b.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FileClusterIdentity.load(b)).hasMessageContaining("node.crt was not issued by the CA in");

        Path c = fresh(ca, "a3");
        Files.writeString(c.resolve("cluster.key"), Base64.getEncoder().encodeToString(new byte[16]));
        assertThatThrownBy(() -> FileClusterIdentity.load(c)).hasMessageContaining("cluster.key is corrupt");
        Files.writeString(c.resolve("cluster.key"), "not base64!");
        assertThatThrownBy(() -> FileClusterIdentity.load(c)).hasMessageContaining("cluster.key is corrupt");

        Path d = fresh(ca, "a4");
        Files.copy(tmp.resolve("x/crl.pem"), d.resolve("crl.pem"), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FileClusterIdentity.load(d)).hasMessageContaining("crl.pem is not signed by the cluster CA");

        Path e = fresh(ca, "a5");
        Files.setPosixFilePermissions(e.resolve("node.key"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> FileClusterIdentity.load(e)).hasMessageContaining("node.key").hasMessageContaining("chmod 600");

        Path f = fresh(ca, "a6");
        Files.move(f.resolve("node.key"), tmp.resolve("elsewhere.key"));
        Files.createSymbolicLink(f.resolve("node.key"), tmp.resolve("elsewhere.key"));
        assertThatThrownBy(() -> FileClusterIdentity.load(f)).hasMessageContaining("symbolic link");

        Path g = fresh(ca, "a7");
        Files.delete(g.resolve("ca.crt"));
        assertThatThrownBy(() -> FileClusterIdentity.load(g)).hasMessageContaining("ca.crt is missing");

        Path h = fresh(ca, "a8");
        Files.writeString(h.resolve("node.crt"), Files.readString(h.resolve("node.crt")) + Files.readString(h.resolve("ca.crt")));
        assertThatThrownBy(() -> FileClusterIdentity.load(h)).hasMessageContaining("more than one PEM object");

        assertThatThrownBy(() -> FileClusterIdentity.load(tmp.resolve("nowhere"))).hasMessageContaining("bastion cluster join");
    }

    @Test
    void revokingListsEverySerialOfTheNodeOnceWithARisingNumber() {
        ClusterCa ca = ClusterCa.create(tmp.resolve("ca"), secret);
        BigInteger first = ca.issueNode("node-a", List.of("127.0.0.1"), tmp.resolve("a1")).serial();
        BigInteger second = ca.issueNode("node-a", List.of("127.0.0.1"), tmp.resolve("a2")).serial();
        BigInteger other = ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("b")).serial();

        assertThat(ca.revoke("node-a")).containsExactlyInAnyOrder(first, second);
        assertThat(ca.revocationList().getRevokedCertificate(first)).isNotNull();
        assertThat(ca.revocationList().getRevokedCertificate(other)).isNull();
        assertThat(ca.revoke("node-a")).isEmpty();
        assertThatThrownBy(() -> ca.revoke("node-z")).hasMessageContaining("no certificate to node node-z");
        assertThatThrownBy(() -> ca.revoke("../x")).hasMessageContaining("invalid node name");
        assertThat(ca.revoke("node-b")).containsExactly(other);
        assertThat(ca.revocationList().getRevokedCertificates()).hasSize(3);
        assertThat(org.bouncycastle.asn1.x509.CRLNumber.getInstance(ca.revocationList()
                .getExtension(org.bouncycastle.asn1.x509.Extension.cRLNumber).getParsedValue()).getCRLNumber())
                .isEqualTo(BigInteger.valueOf(3));
    }

    @Test
    void theNodeFindsItsBundleInBastionClusterDirElseInItsHome() {
        ClusterCa ca = ClusterCa.create(tmp.resolve("ca"), secret);
        Path home = tmp.resolve("home");
        ca.issueNode("node-a", List.of("127.0.0.1"), home.resolve("cluster"));
        ca.issueNode("node-b", List.of("127.0.0.1"), tmp.resolve("mounted"));
        assertThat(FileClusterIdentity.load(java.util.Map.of(), home).nodeName()).isEqualTo("node-a");
        assertThat(FileClusterIdentity.load(java.util.Map.of("BASTION_CLUSTER_DIR", tmp.resolve("mounted").toString()), home)
                .nodeName()).isEqualTo("node-b");
        assertThatThrownBy(() -> FileClusterIdentity.load(java.util.Map.of(), tmp.resolve("empty-home")))
                .hasMessageContaining("no cluster bundle at").hasMessageContaining("bastion cluster join");
    }

    private Path fresh(ClusterCa ca, String dir) {
        Path bundle = tmp.resolve(dir);
        ca.issueNode("node-a", List.of("127.0.0.1"), bundle);
        assertThat(FileClusterIdentity.load(bundle).nodeName()).isEqualTo("node-a");
        return bundle;
    }
}
