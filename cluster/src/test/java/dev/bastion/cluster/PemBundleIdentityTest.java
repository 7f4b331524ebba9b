package dev.bastion.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemBundleIdentityTest {

    @TempDir
    Path dir;

    @Test
    void aBundleLoadsWithItsCertificatesNameAndSealingKey() throws Exception {
        TestClusterCa ca = TestClusterCa.create("ca");
        ClusterIdentity identity = PemBundleIdentity.load(ca.writeBundle("node-a", dir.resolve("a")));
        ClusterIdentity peer = PemBundleIdentity.load(ca.writeBundle("node-b", dir.resolve("b")));
        assertThat(identity.nodeName()).isEqualTo("node-a");
        assertThat(identity.sslContext().getProtocol()).isEqualTo("TLSv1.3");
        byte[] sealed = identity.stateKey().encrypt(new byte[]{1, 2, 3}, new byte[0]);
        assertThat(peer.stateKey().decrypt(sealed, new byte[0])).containsExactly(1, 2, 3);
    }

    @Test
    void aNodeCertificateFromAnotherCaOrAMissingOrDamagedFileIsRefusedClearly() throws Exception {
        TestClusterCa ca = TestClusterCa.create("ca");
        Path bundle = ca.writeBundle("node-a", dir.resolve("a"));
        Path foreign = TestClusterCa.create("other").writeBundle("node-a", dir.resolve("x"));
        Files.copy(foreign.resolve("node.crt"), bundle.resolve("node.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> PemBundleIdentity.load(bundle)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not usable");

        Path missing = ca.writeBundle("node-b", dir.resolve("b"));
        Files.delete(missing.resolve("cluster.key"));
        assertThatThrownBy(() -> PemBundleIdentity.load(missing)).hasMessageContaining("lacks").hasMessageContaining("cluster.key");

        Path damaged = ca.writeBundle("node-c", dir.resolve("c"));
        Files.writeString(damaged.resolve("node.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemBundleIdentity.load(damaged)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not usable").hasMessageNotContaining("AAAA");
    }
}
