package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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
        int lanes = F.length();
        int i = 0;
        for (; i + lanes <= n; i += lanes) {
            FloatVector g = FloatVector.fromArray(F, x, i);
            FloatVector silu = g.div(exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, x, upOffset + i)).intoArray(x, i);
        }
        for (; i < n; i++) {
            float g = x[i];
            x[i] = g / (exp(-g) + 1f) * x[upOffset + i];
        }
    }

    /** Numerically stable softmax of {@code x[0..n)} in place. */
    public static void softmax(float[] x, int n) {
        int lanes = F.length();
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (n >= lanes) {
            FloatVector m = FloatVector.fromArray(F, x, 0);
            for (i = lanes; i + lanes <= n; i += lanes) m = m.max(FloatVector.fromArray(F, x, i));
            max = m.reduceLanes(VectorOperators.MAX); // exact in any order, unlike a sum
        }
        for (; i < n; i++) max = Math.max(max, x[i]);
        FloatVector sum = FloatVector.zero(F);
        i = 0;
        for (; i + lanes <= n; i += lanes) {
            FloatVector e = exp(FloatVector.fromArray(F, x, i).sub(max));
            e.intoArray(x, i);
            sum = sum.add(e);
        }
        float total = sumLanes(sum);
        for (; i < n; i++) {
            float e = exp(x[i] - max);
            x[i] = e;
            total += e;
        }
        scale(x, 1f / total, n);
    }

    // exp as Cephes' expf: e^x = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2) / 2, e^r by a degree-6
    // polynomial; within 2 ulp of Math.exp. Written with adds, multiplies and fmas only, each exactly rounded, so the
    // vector lanes and the scalar form agree bit for bit, interpreted or compiled (the Vector API's own EXP does not
    // promise that), and a 16-lane exp costs about as much as one scalar Math.exp.
    private static final float EXP_MIN = -87.33654f;   // e^x is still a normal float (n >= -126)
    private static final float EXP_MAX = 88.37626f;    // e^x is still finite
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** e^x per lane (see above); inputs below -87.3 give about 1e-38 rather than 0, NaN gives NaN. */
    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> f = x.species();
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector n = x.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(f, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(f, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(f, P2));
        p = p.fma(r, FloatVector.broadcast(f, P3));
        p = p.fma(r, FloatVector.broadcast(f, P4));
        p = p.fma(r, FloatVector.broadcast(f, P5));
        FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    /** The same function as {@link #exp(FloatVector)} for one float, bit for bit. */
    public static float exp(float x) {
        if (Float.isNaN(x)) return x;
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float n = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = p * (r * r) + r + 1f;
        return y * Float.intBitsToFloat(((int) n + 127) << 23);
    }
}
