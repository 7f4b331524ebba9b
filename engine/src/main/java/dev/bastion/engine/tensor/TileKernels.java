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
        int vectorEnd = n - n % LANES;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < vectorEnd; i += LANES) a = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, i), a);
        float sum = VectorMath.sumLanes(a);
        for (int i = vectorEnd; i < n; i++) sum += w[wOff + i] * x[i];
        return sum;
    }

    /**
     * The tile {@code w} of {@code rows} rows of {@code n} (row {@code r} at {@code r * n}) times every token:
     * {@code outs[t][outRow + r] = row r · xs[t]} for {@code t < count}. {@code scratch} must hold {@link #scratchSize()}
     * floats (the accumulators of one register tile, summed outside the tile's loop).
     */
    public static void tileTimesBatch(float[] w, int rows, int n, float[][] xs, int count, float[][] outs, int outRow,
                                      float[] scratch) {
        int t = 0;
        for (; t + 6 <= count; t += 6) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                dot4x6(w, r * n, n, xs, t, scratch);
                finish(w, r * n, n, 4, 6, xs, t, outs, outRow + r, scratch);
            }
            for (; r < rows; r++) {
                dot1x4(w, r * n, n, xs, t, scratch);
                finish(w, r * n, n, 1, 4, xs, t, outs, outRow + r, scratch);
                outs[t + 4][outRow + r] = dot(w, r * n, xs[t + 4], n);
                outs[t + 5][outRow + r] = dot(w, r * n, xs[t + 5], n);
            }
        }
        for (; t + 4 <= count; t += 4) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                dot4x4(w, r * n, n, xs, t, scratch);
                finish(w, r * n, n, 4, 4, xs, t, outs, outRow + r, scratch);
            }
            for (; r < rows; r++) {
                dot1x4(w, r * n, n, xs, t, scratch);
                finish(w, r * n, n, 1, 4, xs, t, outs, outRow + r, scratch);
            }
        }
        for (; t < count; t++) {
            for (int r = 0; r < rows; r++) outs[t][outRow + r] = dot(w, r * n, xs[t], n);
        }
    }

    /** Floats of scratch {@link #tileTimesBatch} needs. */
    public static int scratchSize() {
        return 24 * LANES;
    }

    /**
     * Four rows ({@code w[wOff + k * n..)}) by six tokens ({@code xs[t0..t0+5]}) over the vector part of the row:
     * 24 accumulators, 4 weight and 6 activation loads per 24 fmas (the 4x4 tile needs 8 per 16), which is what bounds
     * these kernels on AVX-512 (they run at about half the fma units' peak). Accumulator (row k, token j) goes to
     * {@code acc[(6k + j) * LANES..)}; see {@link #dot4x4} for why the tails and lane sums are elsewhere.
     */
    private static void dot4x6(float[] w, int wOff, int n, float[][] xs, int t0, float[] acc) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3], x4 = xs[t0 + 4], x5 = xs[t0 + 5];
        int o1 = wOff + n, o2 = o1 + n, o3 = o2 + n;
        int vectorEnd = n - n % LANES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0, d4 = a0, d5 = a0;
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, w, wOff + i), wb = FloatVector.fromArray(F, w, o1 + i);
            FloatVector wc = FloatVector.fromArray(F, w, o2 + i), wd = FloatVector.fromArray(F, w, o3 + i);
            FloatVector x = FloatVector.fromArray(F, x0, i);
            a0 = wa.fma(x, a0);
            b0 = wb.fma(x, b0);
            c0 = wc.fma(x, c0);
            d0 = wd.fma(x, d0);
            x = FloatVector.fromArray(F, x1, i);
            a1 = wa.fma(x, a1);
            b1 = wb.fma(x, b1);
            c1 = wc.fma(x, c1);
            d1 = wd.fma(x, d1);
            x = FloatVector.fromArray(F, x2, i);
            a2 = wa.fma(x, a2);
            b2 = wb.fma(x, b2);
            c2 = wc.fma(x, c2);
            d2 = wd.fma(x, d2);
            x = FloatVector.fromArray(F, x3, i);
            a3 = wa.fma(x, a3);
            b3 = wb.fma(x, b3);
            c3 = wc.fma(x, c3);
            d3 = wd.fma(x, d3);
            x = FloatVector.fromArray(F, x4, i);
            a4 = wa.fma(x, a4);
            b4 = wb.fma(x, b4);
            c4 = wc.fma(x, c4);
            d4 = wd.fma(x, d4);
            x = FloatVector.fromArray(F, x5, i);
            a5 = wa.fma(x, a5);
            b5 = wb.fma(x, b5);
            c5 = wc.fma(x, c5);
            d5 = wd.fma(x, d5);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, LANES);
        a2.intoArray(acc, 2 * LANES);
        a3.intoArray(acc, 3 * LANES);
        a4.intoArray(acc, 4 * LANES);
        a5.intoArray(acc, 5 * LANES);
        b0.intoArray(acc, 6 * LANES);
        b1.intoArray(acc, 7 * LANES);
        b2.intoArray(acc, 8 * LANES);
        b3.intoArray(acc, 9 * LANES);
        b4.intoArray(acc, 10 * LANES);
        b5.intoArray(acc, 11 * LANES);
        c0.intoArray(acc, 12 * LANES);
        c1.intoArray(acc, 13 * LANES);
        c2.intoArray(acc, 14 * LANES);
        c3.intoArray(acc, 15 * LANES);
        c4.intoArray(acc, 16 * LANES);
        c5.intoArray(acc, 17 * LANES);
        d0.intoArray(acc, 18 * LANES);
        d1.intoArray(acc, 19 * LANES);
        d2.intoArray(acc, 20 * LANES);
        d3.intoArray(acc, 21 * LANES);
        d4.intoArray(acc, 22 * LANES);
        d5.intoArray(acc, 23 * LANES);
    }

    /**
     * Four rows ({@code w[wOff + k * n..)}) by four tokens ({@code xs[t0..t0+3]}) over the vector part of the row;
     * accumulator (row k, token j) goes to {@code acc[(4k + j) * LANES..)}. The tails and lane sums are left to
     * {@link #finish}: with them this method outgrows what C2 inlines whole, and its vector operations would fall back
     * to boxed objects (4-6x slower).
     */
    private static void dot4x4(float[] w, int wOff, int n, float[][] xs, int t0, float[] acc) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        int o1 = wOff + n, o2 = o1 + n, o3 = o2 + n;
        int vectorEnd = n - n % LANES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, w, wOff + i), wb = FloatVector.fromArray(F, w, o1 + i);
            FloatVector wc = FloatVector.fromArray(F, w, o2 + i), wd = FloatVector.fromArray(F, w, o3 + i);
            FloatVector x = FloatVector.fromArray(F, x0, i);
            a0 = wa.fma(x, a0);
            b0 = wb.fma(x, b0);
            c0 = wc.fma(x, c0);
            d0 = wd.fma(x, d0);
            x = FloatVector.fromArray(F, x1, i);
            a1 = wa.fma(x, a1);
            b1 = wb.fma(x, b1);
            c1 = wc.fma(x, c1);
            d1 = wd.fma(x, d1);
            x = FloatVector.fromArray(F, x2, i);
            a2 = wa.fma(x, a2);
            b2 = wb.fma(x, b2);
            c2 = wc.fma(x, c2);
            d2 = wd.fma(x, d2);
            x = FloatVector.fromArray(F, x3, i);
            a3 = wa.fma(x, a3);
            b3 = wb.fma(x, b3);
            c3 = wc.fma(x, c3);
            d3 = wd.fma(x, d3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, LANES);
        a2.intoArray(acc, 2 * LANES);
        a3.intoArray(acc, 3 * LANES);
        b0.intoArray(acc, 4 * LANES);
        b1.intoArray(acc, 5 * LANES);
        b2.intoArray(acc, 6 * LANES);
        b3.intoArray(acc, 7 * LANES);
        c0.intoArray(acc, 8 * LANES);
        c1.intoArray(acc, 9 * LANES);
        c2.intoArray(acc, 10 * LANES);
        c3.intoArray(acc, 11 * LANES);
        d0.intoArray(acc, 12 * LANES);
        d1.intoArray(acc, 13 * LANES);
        d2.intoArray(acc, 14 * LANES);
        d3.intoArray(acc, 15 * LANES);
    }

    /** {@link #dot4x4} for one row. */
    private static void dot1x4(float[] w, int wOff, int n, float[][] xs, int t0, float[] acc) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        int vectorEnd = n - n % LANES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, w, wOff + i);
            a0 = wa.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = wa.fma(FloatVector.fromArray(F, x1, i), a1);
            a2 = wa.fma(FloatVector.fromArray(F, x2, i), a2);
            a3 = wa.fma(FloatVector.fromArray(F, x3, i), a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, LANES);
        a2.intoArray(acc, 2 * LANES);
        a3.intoArray(acc, 3 * LANES);
    }

    /**
     * Sums each accumulator's lanes (row k, token j at {@code acc[(tokens * k + j) * LANES..)}), adds the scalar tail and
     * writes {@code rows} rows by {@code tokens} tokens.
     */
    private static void finish(float[] w, int wOff, int n, int rows, int tokens, float[][] xs, int t0, float[][] outs,
                               int outRow, float[] acc) {
        int vectorEnd = n - n % LANES;
        for (int r = 0; r < rows; r++) {
            int rowOff = wOff + r * n;
            for (int j = 0; j < tokens; j++) {
                float[] x = xs[t0 + j];
                float sum = VectorMath.sumLanes(FloatVector.fromArray(F, acc, (tokens * r + j) * LANES));
                for (int i = vectorEnd; i < n; i++) sum += w[rowOff + i] * x[i];
                outs[t0 + j][outRow + r] = sum;
            }
        }
    }
}
