package dev.bastion.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerBenchTest {

    @Test
    void statsAreMinMedianAndMaxWhateverTheOrder() {
        assertThat(PeerBench.Stats.of(List.of(5.0, 1.0, 3.0))).isEqualTo(new PeerBench.Stats(1, 3, 5));
        assertThat(PeerBench.Stats.of(List.of(4.0, 1.0, 2.0, 9.0))).isEqualTo(new PeerBench.Stats(1, 3, 9));
        assertThat(PeerBench.Stats.of(List.of(7.0)).toString()).contains("7.0");
    }

    @Test
    void quickRunsTheSmallShapeOnlyWithAtMostThreeRounds() {
        PeerBench.Options quick = PeerBench.Options.parse(new String[] {"--quick", "--rounds", "9"});
        assertThat(quick.shapes()).containsExactly("smollm2-135m");
        assertThat(quick.rounds()).isEqualTo(3);
        assertThat(quick.types()).containsExactly(PeerBench.Type.values());

        PeerBench.Options full = PeerBench.Options.parse(new String[] {"--types", "bf16,q4_k_m"});
        assertThat(full.shapes()).containsExactly("smollm2-135m", "llama-3.2-1b");
        assertThat(full.types()).containsExactly(PeerBench.Type.BF16, PeerBench.Type.Q4_K_M);
    }

    @Test
    void theThreadCountBinBenchNamesWinsOverThePoolsReport() {
        // With --threads 1 the common pool's parallelism is 0, which the JDK reports as 1 (that is, 2 threads).
        String before = System.getProperty(PeerBench.THREADS_PROPERTY);
        try {
            System.setProperty(PeerBench.THREADS_PROPERTY, "1");
            assertThat(PeerBench.Options.parse(new String[0]).threads()).isEqualTo(1);
        } finally {
            if (before == null) System.clearProperty(PeerBench.THREADS_PROPERTY);
            else System.setProperty(PeerBench.THREADS_PROPERTY, before);
        }
    }

    @Test
    void unknownOptionsShapesAndTypesAreRefused() {
        assertThatThrownBy(() -> PeerBench.Options.parse(new String[] {"--fast"})).hasMessageContaining("unknown option --fast");
        assertThatThrownBy(() -> PeerBench.Options.parse(new String[] {"--types", "q3_k"})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchModels.shape("llama-70b")).hasMessageContaining("unknown shape");
    }

    @Test
    void tolerancesWidenWithCoarserWeights() {
        assertThat(PeerBench.tolerance(PeerBench.Type.BF16)).isLessThan(PeerBench.tolerance(PeerBench.Type.Q8_0));
        assertThat(PeerBench.tolerance(PeerBench.Type.Q8_0)).isLessThan(PeerBench.tolerance(PeerBench.Type.Q4_K_M));
    }

    @Test
    void aMissingPeerInstallationIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> LlamaCppPeer.start(dir)).hasMessageContaining("npm ci");
    }
}
