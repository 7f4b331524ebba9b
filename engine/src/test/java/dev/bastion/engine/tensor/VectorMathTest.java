package dev.bastion.engine.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class VectorMathTest {

    private final Random random = new Random(11);

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 33, 64, 100})
    void dotAndAxpyHonourOffsets(int n) {
        float[] a = randomArray(n + 9);
        float[] b = randomArray(n + 4);
        double expected = 0;
        for (int i = 0; i < n; i++) expected += (double) a[9 + i] * b[4 + i];
        assertThat((double) VectorMath.dot(a, 9, b, 4, n)).isCloseTo(expected, within(1e-4));

        float[] y = b.clone();
        VectorMath.axpy(0.5f, a, 9, y, 4, n);
        for (int i = 0; i < 4; i++) assertThat(y[i]).isEqualTo(b[i]);
        for (int i = 0; i < n; i++) assertThat(y[4 + i]).isCloseTo(b[4 + i] + 0.5f * a[9 + i], within(1e-5f));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64, 65})
    void rmsNormMatchesTheFormula(int n) {
        float[] x = randomArray(n);
        float[] w = randomArray(n);
        float[] out = new float[n];
        VectorMath.rmsNorm(out, x, w, 1e-5f);
        double ss = 0;
        for (float v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / n + 1e-5);
        for (int i = 0; i < n; i++) assertThat((double) out[i]).isCloseTo(x[i] * inv * w[i], within(1e-5));
    }

    @Test
    void softmaxIsStableForLargeInputsAndSumsToOne() {
        float[] x = {1000f, 1001f, 999f, -5f, 0f};
        VectorMath.softmax(x, 4);
        double sum = x[0] + x[1] + x[2] + x[3];
        assertThat(sum).isCloseTo(1.0, within(1e-6));
        assertThat(x[1]).isGreaterThan(x[0]).isGreaterThan(0f);
        assertThat((double) x[1] / x[0]).isCloseTo(Math.E, within(1e-4));
        assertThat(x[4]).as("beyond n is untouched").isEqualTo(0f);
    }

    @Test
    void siluMulIsSwiGlu() {
        float[] gate = {-2f, 0f, 3f, 1.5f, 2f, -1f};
        VectorMath.siluMul(gate, 3, 3);
        assertThat((double) gate[0]).isCloseTo(-2 / (1 + Math.exp(2)) * 1.5, within(1e-6));
        assertThat(gate[1]).isEqualTo(0f);
        assertThat((double) gate[2]).isCloseTo(-3 / (1 + Math.exp(-3)), within(1e-6));
        assertThat(gate[3]).as("the up half is read, not written").isEqualTo(1.5f);
    }

    private float[] randomArray(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }
}
