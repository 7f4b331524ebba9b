package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Vector API kernels over F32 activation arrays (with offsets, so heads and cache rows are slices of one array). */
public final class VectorMath {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** HALVES[k] moves lane i + (length >> (k + 1)) to lane i: the steps of a fixed pairwise reduction tree. */
    private static final VectorShuffle<Float>[] HALVES = halvingShuffles();

    private VectorMath() {}

    /**
     * The sum of the lanes in a fixed pairwise order. {@code reduceLanes(ADD)} leaves the order unspecified, and the
     * interpreter and the JIT do differ, so the same input could give different logits before and after warm-up.
     */
    public static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> half : HALVES) v = v.add(v.rearrange(half));
        return v.lane(0);
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halvingShuffles() {
        int steps = Integer.numberOfTrailingZeros(F.length());
        VectorShuffle<Float>[] shuffles = new VectorShuffle[steps];
        for (int k = 0; k < steps; k++) {
            int shift = F.length() >> (k + 1);
            shuffles[k] = VectorShuffle.fromOp(F, i -> (i + shift) % F.length());
        }
        return shuffles;
    }

    /** {@code a[aOff..aOff+n) · b[bOff..bOff+n)}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int lanes = F.length();
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int end = n - n % (2 * lanes); i < end; i += 2 * lanes) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + lanes).fma(FloatVector.fromArray(F, b, bOff + i + lanes), acc1);
        }
        for (; i + lanes <= n; i += lanes) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = sumLanes(acc0.add(acc1));
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** {@code y[yOff..yOff+n) += a * x[xOff..xOff+n)}. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int lanes = F.length();
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (; i + lanes <= n; i += lanes) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }

    /** {@code y[0..n) += x[0..n)} (the residual connection). */
    public static void addInPlace(float[] y, float[] x, int n) {
        int lanes = F.length();
        int i = 0;
        for (; i + lanes <= n; i += lanes) {
            FloatVector.fromArray(F, y, i).add(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] += x[i];
    }

    /** {@code x[0..n) *= s}. */
    public static void scale(float[] x, float s, int n) {
        int lanes = F.length();
        int i = 0;
        for (; i + lanes <= n; i += lanes) FloatVector.fromArray(F, x, i).mul(s).intoArray(x, i);
        for (; i < n; i++) x[i] *= s;
    }

    /** RMSNorm as in Hugging Face: {@code out = x * rsqrt(mean(x²) + eps) * weight}. {@code out} may be {@code x}. */
    public static void rmsNorm(float[] out, float[] x, float[] weight, float eps) {
        int n = weight.length;
        float inv = (float) (1.0 / Math.sqrt(dot(x, 0, x, 0, n) / n + eps));
        int lanes = F.length();
        int i = 0;
        for (; i + lanes <= n; i += lanes) {
            FloatVector.fromArray(F, x, i).mul(inv).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = x[i] * inv * weight[i];
    }

    /** The SwiGLU activation in place: {@code x[i] = silu(x[i]) * x[upOffset + i]} for {@code i < n}. */
    public static void siluMul(float[] x, int upOffset, int n) {
        for (int i = 0; i < n; i++) {
            float g = x[i];
            x[i] = g / (1f + (float) Math.exp(-g)) * x[upOffset + i];
        }
    }

    /** Numerically stable softmax of {@code x[0..n)} in place. */
    public static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        scale(x, 1f / sum, n);
    }
}
