package dev.bastion.cluster;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterSettingsTest {

    private static final Path HOME = Path.of("/srv/bastion");

    @Test
    void defaultsAreOffLoopbackAndTheAgreedPorts() {
        ClusterSettings s = ClusterSettings.fromEnvironment(Map.of(), HOME);
        assertThat(s.enabled()).isFalse();
        assertThat(s.members()).isEmpty();
        assertThat(s.clusterPort()).isEqualTo(5701);
        assertThat(s.nodePort()).isEqualTo(11435);
        assertThat(s.nodeUrl()).isEqualTo("https://127.0.0.1:11435");
        assertThat(s.clusterDir()).isEqualTo(HOME.resolve("cluster"));
        assertThat(s.nodeName()).as("the certificate decides").isNull();
        assertThat(s.loopbackOnly()).isTrue();
    }

    @Test
    void theEnvironmentConfiguresANetworkedNode() {
        ClusterSettings s = ClusterSettings.fromEnvironment(Map.of("BASTION_CLUSTER", "on",
                "BASTION_CLUSTER_MEMBERS", " node1:5701, 10.0.0.2:5701 ,", "BASTION_NODE_ADDRESS", "fd00::5",
                "BASTION_NODE_PORT", "12000", "BASTION_NODE_NAME", "node3", "BASTION_CLUSTER_DIR", "/etc/bastion/cluster"), HOME);
        assertThat(s.enabled()).isTrue();
        assertThat(s.members()).containsExactly("node1:5701", "10.0.0.2:5701");
        assertThat(s.nodeUrl()).isEqualTo("https://[fd00::5]:12000");
        assertThat(s.nodeName()).isEqualTo("node3");
        assertThat(s.clusterDir()).isEqualTo(Path.of("/etc/bastion/cluster"));
        assertThat(s.loopbackOnly()).isFalse();
    }

    @Test
    void badValuesStopStartupNamingTheVariable() {
        for (Map<String, String> bad : List.of(Map.of("BASTION_CLUSTER", "yes please"),
                Map.of("BASTION_CLUSTER_PORT", "0"), Map.of("BASTION_NODE_PORT", "eleven"),
                Map.of("BASTION_CLUSTER_MEMBERS", "a:1;rm -rf /"), Map.of("BASTION_CLUSTER_BUSY_QUEUE", "0"))) {
            String name = bad.keySet().iterator().next();
            assertThatThrownBy(() -> ClusterSettings.fromEnvironment(bad, HOME)).as(name)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(name);
        }
    }
}
