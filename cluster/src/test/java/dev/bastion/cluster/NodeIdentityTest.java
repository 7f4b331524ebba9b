package dev.bastion.cluster;

import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.cluster.pki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the cluster module asks of a node's identity before it serves: the sealing key and the dialled address. */
class NodeIdentityTest {

    @TempDir
    Path dir;

    @Test
    void nodesOfOneClusterShareTheSealingKeyAndAnotherClustersNodeCannotOpenIt() {
        ClusterCa ca = TestPki.ca(dir.resolve("ca"));
        ClusterIdentity a = TestPki.node(ca, "node-a", dir.resolve("a"));
        ClusterIdentity b = TestPki.node(ca, "node-b", dir.resolve("b"));
        ClusterIdentity stranger = TestPki.node(TestPki.ca(dir.resolve("other")), "node-a", dir.resolve("x"));
        assertThat(a.nodeName()).isEqualTo("node-a");
        assertThat(a.sslContext().getProtocol()).isEqualTo("TLSv1.3");
        byte[] sealed = a.stateKey().encrypt(new byte[] {1, 2, 3}, new byte[0]);
        assertThat(b.stateKey().decrypt(sealed, new byte[0])).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> stranger.stateKey().decrypt(sealed, new byte[0])).isInstanceOf(RuntimeException.class);
    }

    @Test
    void theNodeAddressMustBeInTheCertificateOrTheNodeRefusesToStartWithTheFix() {
        ClusterCa ca = TestPki.ca(dir.resolve("ca"));
        ca.issueNode("node-a", List.of("10.0.0.7", "node-a.example"), dir.resolve("a"));
        ClusterIdentity a = dev.bastion.cluster.pki.FileClusterIdentity.load(dir.resolve("a"));
        assertThatCode(() -> ClusterModule.requireAddressInCertificate("10.0.0.7", a.certificate())).doesNotThrowAnyException();
        assertThatCode(() -> ClusterModule.requireAddressInCertificate("NODE-A.example", a.certificate())).doesNotThrowAnyException();
        assertThatThrownBy(() -> ClusterModule.requireAddressInCertificate("127.0.0.1", a.certificate()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BASTION_NODE_ADDRESS '127.0.0.1' is not in this node's certificate")
                .hasMessageContaining("10.0.0.7").hasMessageContaining("--address 127.0.0.1");
        assertThatThrownBy(() -> ClusterModule.requireAddressInCertificate("node-a.example\n", a.certificate()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClusterModule.requireAddressInCertificate("10.0.0.70", a.certificate()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
