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

    @Test
    void expIsWithinTwoUlpOfMathExpAndItsLanesEqualTheScalarFormBitForBit() {
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        float[] x = new float[species.length() * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextDouble() * 175 - 87); // where e^x is a normal float
        x[0] = 0f;
        x[1] = -87f;
        x[2] = 88f;
        x[3] = 1e-8f;
        float[] lanes = new float[x.length];
        for (int i = 0; i < x.length; i += species.length()) {
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(species, x, i)).intoArray(lanes, i);
        }
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.exp(x[i]);
            assertThat(lanes[i]).as("exp(%s)", x[i]).isEqualTo(VectorMath.exp(x[i]));
            assertThat(lanes[i]).as("exp(%s)", x[i]).isCloseTo(expected, within(2 * Math.ulp(expected)));
        }
    }

    @Test
    void expSaturatesInsteadOfOverflowingAndKeepsNaN() {
        assertThat(VectorMath.exp(-1000f)).isBetween(0f, 1e-37f);
        assertThat(VectorMath.exp(1000f)).isFinite().isGreaterThan(1e38f);
        assertThat(VectorMath.exp(Float.NaN)).isNaN();
        assertThat(VectorMath.exp(Float.NEGATIVE_INFINITY)).isBetween(0f, 1e-37f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 70})
    void vectorizedSoftmaxAndSiluMatchTheirFormulas(int n) {
        float[] x = randomArray(n);
        float[] soft = x.clone();
        VectorMath.softmax(soft, n);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : x) max = Math.max(max, v);
        for (float v : x) sum += Math.exp(v - max);
        for (int i = 0; i < n; i++) assertThat((double) soft[i]).isCloseTo(Math.exp(x[i] - max) / sum, within(1e-6));

        float[] gateUp = new float[2 * n];
        System.arraycopy(x, 0, gateUp, 0, n);
        System.arraycopy(randomArray(n), 0, gateUp, n, n);
        float[] up = java.util.Arrays.copyOfRange(gateUp, n, 2 * n);
        VectorMath.siluMul(gateUp, n, n);
        for (int i = 0; i < n; i++) {
            assertThat((double) gateUp[i]).isCloseTo(x[i] / (1 + Math.exp(-x[i])) * up[i], within(1e-5));
        }
    }

    private float[] randomArray(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }
}
