package dev.bastion.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code BASTION_CLUSTER_JOIN} and its options, down to the Hazelcast {@link Config} they make (no member started). */
class ClusterJoinConfigTest {

    private static final Path HOME = Path.of("/srv/bastion");

    @Test
    void tcpIsTheDefaultAndUsesTheMemberListOnly() {
        JoinConfig join = join(Map.of("BASTION_CLUSTER_MEMBERS", "node1:5701,node2:5701"));
        assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
        assertThat(join.getTcpIpConfig().getMembers()).containsExactly("node1:5701", "node2:5701");
        assertThat(join.getMulticastConfig().isEnabled()).isFalse();
        assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
        assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
        assertThat(join(Map.of("BASTION_CLUSTER_JOIN", "TCP")).getTcpIpConfig().isEnabled()).isTrue();
    }

    @Test
    void multicastTurnsTheListOffAndStaysOnLoopbackForALoopbackNode() {
        JoinConfig join = join(Map.of("BASTION_CLUSTER_JOIN", "multicast"));
        assertThat(join.getMulticastConfig().isEnabled()).isTrue();
        assertThat(join.getMulticastConfig().isLoopbackModeEnabled()).isTrue();
        assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
        assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
        JoinConfig networked = join(Map.of("BASTION_CLUSTER_JOIN", "multicast", "BASTION_NODE_ADDRESS", "10.0.0.5"));
        assertThat(networked.getMulticastConfig().isLoopbackModeEnabled()).isFalse();
    }

    @Test
    void kubernetesAsksForTheServicesEndpointsOnTheMemberPort() {
        JoinConfig join = join(Map.of("BASTION_CLUSTER_JOIN", "kubernetes", "BASTION_CLUSTER_K8S_NAMESPACE", "ai",
                "BASTION_CLUSTER_K8S_SERVICE", "bastion-hz", "BASTION_CLUSTER_PORT", "5702",
                "BASTION_NODE_ADDRESS", "bastion-0.bastion-hz.ai.svc.cluster.local"));
        assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
        assertThat(join.getKubernetesConfig().getProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "namespace", "ai", "service-name", "bastion-hz", "service-port", "5702"));
        assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
        assertThat(join.getMulticastConfig().isEnabled()).isFalse();
        // without a namespace Hazelcast uses the pod's own
        JoinConfig own = join(Map.of("BASTION_CLUSTER_JOIN", "kubernetes", "BASTION_CLUSTER_K8S_SERVICE", "bastion"));
        assertThat(own.getKubernetesConfig().getProperties()).doesNotContainKey("namespace")
                .containsEntry("service-name", "bastion");
    }

    @Test
    void contradictoryOrHostileJoinSettingsStopStartupNamingTheVariable() {
        Map<Map<String, String>, String> bad = new java.util.LinkedHashMap<>();
        bad.put(Map.of("BASTION_CLUSTER_JOIN", "gossip"), "BASTION_CLUSTER_JOIN");
        bad.put(Map.of("BASTION_CLUSTER_JOIN", "kubernetes"), "BASTION_CLUSTER_K8S_SERVICE");
        bad.put(Map.of("BASTION_CLUSTER_K8S_SERVICE", "bastion"), "BASTION_CLUSTER_K8S_NAMESPACE");
        bad.put(Map.of("BASTION_CLUSTER_JOIN", "multicast", "BASTION_CLUSTER_K8S_NAMESPACE", "ai"), "BASTION_CLUSTER_K8S_NAMESPACE");
        bad.put(Map.of("BASTION_CLUSTER_JOIN", "kubernetes", "BASTION_CLUSTER_K8S_SERVICE", "bastion",
                "BASTION_CLUSTER_MEMBERS", "node1:5701"), "BASTION_CLUSTER_MEMBERS");
        bad.put(Map.of("BASTION_CLUSTER_JOIN", "multicast", "BASTION_CLUSTER_MEMBERS", "node1:5701"), "BASTION_CLUSTER_MEMBERS");
        for (String hostile : List.of("../kube-system", "a/b", "Bastion", "bas\ntion", "-bastion", "bastion-", "x".repeat(64),
                "bastion.svc", "b%2fc", "bаstion" /* Cyrillic a */, "a b")) {
            bad.put(Map.of("BASTION_CLUSTER_JOIN", "kubernetes", "BASTION_CLUSTER_K8S_SERVICE", hostile), "BASTION_CLUSTER_K8S_SERVICE");
            bad.put(Map.of("BASTION_CLUSTER_JOIN", "kubernetes", "BASTION_CLUSTER_K8S_SERVICE", "bastion",
                    "BASTION_CLUSTER_K8S_NAMESPACE", hostile), "BASTION_CLUSTER_K8S_NAMESPACE");
        }
        bad.forEach((env, variable) -> assertThatThrownBy(() -> ClusterSettings.fromEnvironment(env, HOME)).as(env.toString())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(variable));
        assertThat(ClusterSettings.fromEnvironment(Map.of("BASTION_CLUSTER_JOIN", "kubernetes",
                "BASTION_CLUSTER_K8S_SERVICE", "x".repeat(63)), HOME).join().service()).hasSize(63);
    }

    private static JoinConfig join(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("BASTION_CLUSTER", "on");
        Config config = ClusterMembership.config(ClusterSettings.fromEnvironment(all, HOME), "node-a");
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.verify(); // Hazelcast's own check: exactly one way of joining is on
        return join;
    }
}
