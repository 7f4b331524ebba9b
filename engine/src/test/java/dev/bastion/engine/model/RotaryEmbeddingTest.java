package dev.bastion.engine.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RotaryEmbeddingTest {

    @Test
    void defaultFrequenciesAreThetaToTheMinusTwoIOverD() {
        float[] inv = RotaryEmbedding.inverseFrequencies(8, 10000f, null);
        assertThat(inv).containsExactly(new float[] {1f, 0.1f, 0.01f, 0.001f}, within(1e-7f));
    }

    /** Llama 3 scaling keeps short wavelengths, divides long ones by the factor and blends in between. */
    @Test
    void llama3ScalingTreatsTheThreeBandsDifferently() {
        ModelConfig.RopeScaling scaling = new ModelConfig.RopeScaling(8f, 1f, 4f, 256);
        float[] plain = RotaryEmbedding.inverseFrequencies(16, 500000f, null);
        float[] scaled = RotaryEmbedding.inverseFrequencies(16, 500000f, scaling);
        int kept = 0, divided = 0, blended = 0;
        for (int i = 0; i < plain.length; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen < 256 / 4.0) {
                assertThat(scaled[i]).isEqualTo(plain[i]);
                kept++;
            } else if (wavelen > 256) {
                assertThat(scaled[i]).isCloseTo(plain[i] / 8, within(plain[i] * 1e-6f));
                divided++;
            } else {
                assertThat(scaled[i]).isStrictlyBetween(plain[i] / 8, plain[i]);
                blended++;
            }
        }
        assertThat(kept).isPositive();
        assertThat(divided).isPositive();
        assertThat(blended).isPositive();
    }

    @Test
    void rotationPairsElementIWithIPlusHalfAndPreservesNorm() {
        float[] x = {9f, 1f, 2f, 3f, 4f};
        float[] cos = {(float) Math.cos(0.5), (float) Math.cos(0.25)};
        float[] sin = {(float) Math.sin(0.5), (float) Math.sin(0.25)};
        RotaryEmbedding.rotate(x, 1, 1, 4, cos, sin);
        assertThat(x[0]).as("before the offset").isEqualTo(9f);
        x = java.util.Arrays.copyOfRange(x, 1, 5);
        assertThat((double) x[0]).isCloseTo(1 * Math.cos(0.5) - 3 * Math.sin(0.5), within(1e-6));
        assertThat((double) x[2]).isCloseTo(3 * Math.cos(0.5) + 1 * Math.sin(0.5), within(1e-6));
        assertThat((double) x[1]).isCloseTo(2 * Math.cos(0.25) - 4 * Math.sin(0.25), within(1e-6));
        assertThat((double) (x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3])).isCloseTo(30.0, within(1e-4));
    }
}
