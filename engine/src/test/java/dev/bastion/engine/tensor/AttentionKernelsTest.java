package dev.bastion.engine.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AttentionKernelsTest {

    private final Random random = new Random(5);

    /** Scores against a double-precision loop over the untransposed keys, for sizes that hit the vector and scalar paths. */
    @ParameterizedTest
    @CsvSource({"1, 8", "15, 8", "17, 64", "64, 64", "100, 80", "300, 3"})
    void scoresMatchAPlainDotProductOverTheTransposedCache(int positions, int headDim) {
        int capacity = positions + 7, heads = 2, head = 1;
        float[][] keys = new float[capacity][heads * headDim];
        for (float[] k : keys) fill(k);
        float[] transposed = new float[heads * headDim * capacity];
        for (int p = 0; p < capacity; p++) {
            for (int i = 0; i < heads * headDim; i++) transposed[i * capacity + p] = keys[p][i];
        }
        float[] q = new float[3 + headDim];
        fill(q);
        float[] scores = new float[capacity];
        Arrays.fill(scores, 42f);

        AttentionKernels.scores(q, 3, transposed, head * headDim * capacity, capacity, headDim, positions, 0.125f, scores);

        for (int p = 0; p < positions; p++) {
            double dot = 0;
            for (int i = 0; i < headDim; i++) dot += (double) q[3 + i] * keys[p][head * headDim + i];
            assertThat((double) scores[p]).isCloseTo(dot * 0.125, within(1e-5));
        }
        assertThat(scores[positions]).as("nothing written past the positions").isEqualTo(42f);
    }

    /** A position's score must not depend on how many positions were scored with it (vector block or scalar tail). */
    @ParameterizedTest
    @CsvSource({"64", "80", "8"})
    void aPositionsScoreDoesNotDependOnTheOthersScored(int headDim) {
        int capacity = 200;
        float[] transposed = new float[headDim * capacity];
        fill(transposed);
        float[] q = new float[headDim];
        fill(q);
        float[] all = new float[capacity];
        AttentionKernels.scores(q, 0, transposed, 0, capacity, headDim, capacity, 0.3f, all);
        for (int positions : new int[] {1, 13, 16, 17, 63, 64, 65, 150}) {
            float[] some = new float[capacity];
            AttentionKernels.scores(q, 0, transposed, 0, capacity, headDim, positions, 0.3f, some);
            assertThat(Arrays.copyOf(some, positions)).isEqualTo(Arrays.copyOf(all, positions));
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 8", "33, 64", "100, 80", "7, 3"})
    void weightedSumMatchesAPlainLoop(int positions, int headDim) {
        int stride = 2 * headDim + 1;
        float[] values = new float[positions * stride + headDim];
        fill(values);
        float[] weights = new float[positions];
        fill(weights);
        float[] out = new float[headDim + 10];
        Arrays.fill(out, 42f);

        AttentionKernels.weightedSum(weights, positions, values, headDim, stride, headDim, out, 5);

        for (int i = 0; i < headDim; i++) {
            double sum = 0;
            for (int p = 0; p < positions; p++) sum += (double) weights[p] * values[headDim + p * stride + i];
            assertThat((double) out[5 + i]).isCloseTo(sum, within(1e-4));
        }
        assertThat(out[4]).isEqualTo(42f);
        assertThat(out[5 + headDim]).isEqualTo(42f);
    }

    private void fill(float[] a) {
        for (int i = 0; i < a.length; i++) a[i] = (float) random.nextGaussian();
    }
}
