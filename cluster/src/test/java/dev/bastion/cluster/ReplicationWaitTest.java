package dev.bastion.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicationWaitTest {

    @Test
    void theWaitIsSecondsWithinAnHourAndATypoStopsTheNode() {
        assertThat(ClusterModule.replicationWait(Map.of())).isEqualTo(Duration.ofSeconds(120));
        assertThat(ClusterModule.replicationWait(Map.of(Replication.ENV_WAIT, " 30 "))).isEqualTo(Duration.ofSeconds(30));
        assertThat(ClusterModule.replicationWait(Map.of(Replication.ENV_WAIT, "0"))).as("answer 503 at once").isZero();
        for (String bad : new String[] {"-1", "3601", "2m", "1e3", "99999999999999999999"}) {
            assertThatThrownBy(() -> ClusterModule.replicationWait(Map.of(Replication.ENV_WAIT, bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Replication.ENV_WAIT);
        }
    }
}
