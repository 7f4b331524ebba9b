package dev.bastion.cluster;

import dev.bastion.security.SecretBox;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SealedStatesTest {

    private static final NodeState STATE = new NodeState("node-c", "uuid-c", "https://127.0.0.1:11435",
            List.of("tiny:latest", "secret-model:latest"), List.of("tiny:latest"), 123, 2, 0, false, 1000);

    private static SecretBox key(int fill) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, (byte) fill);
        return new SecretBox(k);
    }

    @Test
    void aStateOpensWithTheClusterKeyUnderItsOwnName() {
        SealedStates states = new SealedStates(key(1));
        assertThat(states.open("node-c", states.seal(STATE))).contains(STATE);
    }

    @Test
    void modelSizesAndPullsInProgressTravelAndAnOlderNodesStateStillOpens() throws Exception {
        SealedStates states = new SealedStates(key(1));
        NodeState pulling = new NodeState("node-c", "uuid-c", "https://127.0.0.1:11435", List.of("tiny:latest"),
                List.of(), 123, 2, 0, false, 1000, java.util.Map.of("tiny:latest", 4096L), List.of("other:latest"));
        assertThat(states.open("node-c", states.seal(pulling))).contains(pulling);
        // a state as nodes published it before replication: no sizes, no pulls
        byte[] old = ("{\"name\":\"node-c\",\"member\":\"uuid-c\",\"url\":\"https://127.0.0.1:11435\","
                + "\"held\":[\"tiny:latest\"],\"loaded\":[],\"freeMemoryBytes\":1,\"queue\":0,\"tokensPerSecond\":0,"
                + "\"draining\":false,\"publishedAt\":5}").getBytes(StandardCharsets.UTF_8);
        assertThat(states.open("node-c", key(1).encrypt(old, "bastion/cluster/node-state/v1/node-c".getBytes(StandardCharsets.UTF_8))))
                .hasValueSatisfying(s -> {
                    assertThat(s.sizes()).isEmpty();
                    assertThat(s.pulling()).isEmpty();
                    assertThat(s.sizeOf("tiny:latest")).isZero();
                });
    }

    @Test
    void withoutTheKeyAnEntryIsCiphertextThatNeitherOpensNorNamesModels() {
        byte[] sealed = new SealedStates(key(1)).seal(STATE);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("tiny").doesNotContain("secret-model")
                .doesNotContain("node-c");
        assertThat(new SealedStates(key(2)).open("node-c", sealed)).isEmpty();
    }

    @Test
    void forgedMovedOrTamperedEntriesAreIgnored() {
        SealedStates cluster = new SealedStates(key(1));
        byte[] sealed = cluster.seal(STATE);
        assertThat(cluster.open("node-a", sealed)).as("copied under another node's key").isEmpty();
        for (int i = 0; i < sealed.length; i += 7) {
            byte[] flipped = sealed.clone();
            flipped[i] ^= 1;
            assertThat(cluster.open("node-c", flipped)).as("bit %d flipped", i).isEmpty();
        }
        NodeState lying = new NodeState("node-a", "uuid-c", "https://evil", List.of(), List.of(), 0, 0, 0, false, 1);
        assertThat(cluster.open("node-c", new SealedStates(key(1)).seal(lying))).as("names another node").isEmpty();
        assertThat(new SealedStates(key(1)).open("node-c", new SealedStates(key(3)).seal(STATE))).as("forged").isEmpty();
        assertThat(cluster.open("node-c", new byte[0])).isEmpty();
        assertThat(cluster.open("node-c", "{\"name\":\"node-c\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }
}
