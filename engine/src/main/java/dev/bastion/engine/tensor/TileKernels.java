package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill's inner loop for weights decoded once per batch into an F32 tile (a heap array of rows), times a batch of
 * tokens. Every product is summed in one order, {@link #dot}'s: a single vector accumulator over the chunks of lanes in
 * order, then its lanes in {@link VectorMath#sumLanes}'s fixed tree, then the scalar tail in order. A matrix whose
 * {@code dotRow} follows that order (as {@link Bf16Matrix} and {@link F32Matrix} do) gets bit-identical decode and
 * prefill, which KV-cache reuse relies on.
 *
 * <p>One accumulator per product is what lets a register tile of 4 rows by 4 or 6 tokens fit: 16 or 24
 * accumulators, each weight load serving four or six multiply-adds and each activation load four, where the former
 * two-accumulator order (even and odd chunks) allowed only one row by four tokens. Measured (SmolLM2-135M's shape,
 * BF16, prefill-512, tokens per CPU-second): 1.4x for 4x4; 4x6 then adds about 10% (docs/performance.md).
 */
public final class TileKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();

    private TileKernels() {}

    /** {@code w[wOff..wOff+n) · x[0..n)} in the order every kernel here follows. */
    public static float dot(float[] w, int wOff, float[] x, int n) {
        return dot(w, wOff, x, 0, n);
    }

    /** {@code w[wOff..wOff+n) · x[xOff..xOff+n)}, in {@link #dot(float[], int, float[], int)}'s order. */
    static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        int vectorEnd = n - n % LANES;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < vectorEnd; i += LANES) a = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), a);
        float sum = VectorMath.sumLanes(a);
        for (int i = vectorEnd; i < n; i++) sum += w[wOff + i] * x[xOff + i];
        return sum;
    }

    /**
     * The tile of {@code rows} rows of {@code n} at {@code m[tile + r * stride..)} times every token's activations at
     * {@code m[x + t * stride..)}: {@code outs[t][outRow + r] = row r · token t} for {@code t < count}. Everything lives
     * in one array ({@link TileScratch}: rows that start on 64-byte boundaries), and {@code m[acc..)} holds
     * {@link #scratchSize()} floats for the accumulators of one register tile, summed outside the tile's loop.
     */
    public static void tileTimesBatch(float[] m, int tile, int stride, int rows, int n, int x, int count,
                                      float[][] outs, int outRow, int acc) {
        int t = 0;
        for (; t + 6 <= count; t += 6) {
            int xt = x + t * stride;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                dot4x6(m, tile + r * stride, stride, n, xt, acc);
                finish(m, tile + r * stride, stride, n, 4, 6, xt, t, outs, outRow + r, acc);
            }
            for (; r < rows; r++) {
                int w = tile + r * stride;
                dot1x4(m, w, stride, n, xt, acc);
                finish(m, w, stride, n, 1, 4, xt, t, outs, outRow + r, acc);
                outs[t + 4][outRow + r] = dot(m, w, m, xt + 4 * stride, n);
                outs[t + 5][outRow + r] = dot(m, w, m, xt + 5 * stride, n);
            }
        }
        for (; t + 4 <= count; t += 4) {
            int xt = x + t * stride;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                dot4x4(m, tile + r * stride, stride, n, xt, acc);
                finish(m, tile + r * stride, stride, n, 4, 4, xt, t, outs, outRow + r, acc);
            }
            for (; r < rows; r++) {
                dot1x4(m, tile + r * stride, stride, n, xt, acc);
                finish(m, tile + r * stride, stride, n, 1, 4, xt, t, outs, outRow + r, acc);
            }
        }
        for (; t < count; t++) {
            for (int r = 0; r < rows; r++) outs[t][outRow + r] = dot(m, tile + r * stride, m, x + t * stride, n);
        }
    }

    /** Floats of scratch {@link #tileTimesBatch} needs. */
    public static int scratchSize() {
        return 24 * LANES;
    }

    /**
     * Four rows ({@code m[wOff + k * stride..)}) by six tokens ({@code m[x + j * stride..)}) over the vector part of
     * the row: 24 accumulators, 4 weight and 6 activation loads per 24 fmas (the 4x4 tile needs 8 per 16), which is what bounds
     * these kernels on AVX-512 (they run at about half the fma units' peak). Accumulator (row k, token j) goes to
     * {@code m[acc + (6k + j) * LANES..)}; see {@link #dot4x4} for why the tails and lane sums are elsewhere.
     */
    private static void dot4x6(float[] m, int wOff, int stride, int n, int x, int acc) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride, x4 = x3 + stride, x5 = x4 + stride;
        int o1 = wOff + stride, o2 = o1 + stride, o3 = o2 + stride;
        int vectorEnd = n - n % LANES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0, d4 = a0, d5 = a0;
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, m, wOff + i), wb = FloatVector.fromArray(F, m, o1 + i);
            FloatVector wc = FloatVector.fromArray(F, m, o2 + i), wd = FloatVector.fromArray(F, m, o3 + i);
            FloatVector v = FloatVector.fromArray(F, m, x0 + i);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            c0 = wc.fma(v, c0);
            d0 = wd.fma(v, d0);
            v = FloatVector.fromArray(F, m, x1 + i);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            c1 = wc.fma(v, c1);
            d1 = wd.fma(v, d1);
            v = FloatVector.fromArray(F, m, x2 + i);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            c2 = wc.fma(v, c2);
            d2 = wd.fma(v, d2);
            v = FloatVector.fromArray(F, m, x3 + i);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            c3 = wc.fma(v, c3);
            d3 = wd.fma(v, d3);
            v = FloatVector.fromArray(F, m, x4 + i);
            a4 = wa.fma(v, a4);
            b4 = wb.fma(v, b4);
            c4 = wc.fma(v, c4);
            d4 = wd.fma(v, d4);
            v = FloatVector.fromArray(F, m, x5 + i);
            a5 = wa.fma(v, a5);
            b5 = wb.fma(v, b5);
            c5 = wc.fma(v, c5);
            d5 = wd.fma(v, d5);
        }
        a0.intoArray(m, acc);
        a1.intoArray(m, acc + LANES);
        a2.intoArray(m, acc + 2 * LANES);
        a3.intoArray(m, acc + 3 * LANES);
        a4.intoArray(m, acc + 4 * LANES);
        a5.intoArray(m, acc + 5 * LANES);
        b0.intoArray(m, acc + 6 * LANES);
        b1.intoArray(m, acc + 7 * LANES);
        b2.intoArray(m, acc + 8 * LANES);
        b3.intoArray(m, acc + 9 * LANES);
        b4.intoArray(m, acc + 10 * LANES);
        b5.intoArray(m, acc + 11 * LANES);
        c0.intoArray(m, acc + 12 * LANES);
        c1.intoArray(m, acc + 13 * LANES);
        c2.intoArray(m, acc + 14 * LANES);
        c3.intoArray(m, acc + 15 * LANES);
        c4.intoArray(m, acc + 16 * LANES);
        c5.intoArray(m, acc + 17 * LANES);
        d0.intoArray(m, acc + 18 * LANES);
        d1.intoArray(m, acc + 19 * LANES);
        d2.intoArray(m, acc + 20 * LANES);
        d3.intoArray(m, acc + 21 * LANES);
        d4.intoArray(m, acc + 22 * LANES);
        d5.intoArray(m, acc + 23 * LANES);
    }

    /**
     * Four rows ({@code m[wOff + k * stride..)}) by four tokens ({@code m[x + j * stride..)}) over the vector part of
     * the row; accumulator (row k, token j) goes to {@code m[acc + (4k + j) * LANES..)}. The tails and lane sums are
     * left to {@link #finish}: with them this method outgrows what C2 inlines whole, and its vector operations would
     * fall back to boxed objects (4-6x slower).
     */
    private static void dot4x4(float[] m, int wOff, int stride, int n, int x, int acc) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
        int o1 = wOff + stride, o2 = o1 + stride, o3 = o2 + stride;
        int vectorEnd = n - n % LANES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, m, wOff + i), wb = FloatVector.fromArray(F, m, o1 + i);
            FloatVector wc = FloatVector.fromArray(F, m, o2 + i), wd = FloatVector.fromArray(F, m, o3 + i);
            FloatVector v = FloatVector.fromArray(F, m, x0 + i);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            c0 = wc.fma(v, c0);
            d0 = wd.fma(v, d0);
            v = FloatVector.fromArray(F, m, x1 + i);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            c1 = wc.fma(v, c1);
            d1 = wd.fma(v, d1);
            v = FloatVector.fromArray(F, m, x2 + i);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            c2 = wc.fma(v, c2);
            d2 = wd.fma(v, d2);
            v = FloatVector.fromArray(F, m, x3 + i);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            c3 = wc.fma(v, c3);
            d3 = wd.fma(v, d3);
        }
        a0.intoArray(m, acc);
        a1.intoArray(m, acc + LANES);
        a2.intoArray(m, acc + 2 * LANES);
        a3.intoArray(m, acc + 3 * LANES);
        b0.intoArray(m, acc + 4 * LANES);
        b1.intoArray(m, acc + 5 * LANES);
        b2.intoArray(m, acc + 6 * LANES);
        b3.intoArray(m, acc + 7 * LANES);
        c0.intoArray(m, acc + 8 * LANES);
        c1.intoArray(m, acc + 9 * LANES);
        c2.intoArray(m, acc + 10 * LANES);
        c3.intoArray(m, acc + 11 * LANES);
        d0.intoArray(m, acc + 12 * LANES);
        d1.intoArray(m, acc + 13 * LANES);
        d2.intoArray(m, acc + 14 * LANES);
        d3.intoArray(m, acc + 15 * LANES);
    }

    /** {@link #dot4x4} for one row. */
    private static void dot1x4(float[] m, int wOff, int stride, int n, int x, int acc) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
        int vectorEnd = n - n % LANES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, m, wOff + i);
            a0 = wa.fma(FloatVector.fromArray(F, m, x0 + i), a0);
            a1 = wa.fma(FloatVector.fromArray(F, m, x1 + i), a1);
            a2 = wa.fma(FloatVector.fromArray(F, m, x2 + i), a2);
            a3 = wa.fma(FloatVector.fromArray(F, m, x3 + i), a3);
        }
        a0.intoArray(m, acc);
        a1.intoArray(m, acc + LANES);
        a2.intoArray(m, acc + 2 * LANES);
        a3.intoArray(m, acc + 3 * LANES);
    }

    /**
     * Sums each accumulator's lanes (row k, token j at {@code m[acc + (tokens * k + j) * LANES..)}), adds the scalar tail
     * and writes {@code rows} rows by {@code tokens} tokens (tokens {@code t0..} of {@code outs}, activations at
     * {@code m[x + j * stride..)}).
     */
    private static void finish(float[] m, int wOff, int stride, int n, int rows, int tokens, int x, int t0,
                               float[][] outs, int outRow, int acc) {
        int vectorEnd = n - n % LANES;
        for (int r = 0; r < rows; r++) {
            int rowOff = wOff + r * stride;
            for (int j = 0; j < tokens; j++) {
                int xj = x + j * stride;
                float sum = VectorMath.sumLanes(FloatVector.fromArray(F, m, acc + (tokens * r + j) * LANES));
                for (int i = vectorEnd; i < n; i++) sum += m[rowOff + i] * m[xj + i];
                outs[t0 + j][outRow + r] = sum;
            }
        }
    }
}
