package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * Batched products for the ggml block types: a tile of weight rows is dequantized once into a per-thread float
 * scratch buffer and a float kernel runs every token of the batch over it, so the cost of decoding the blocks is paid
 * once per batch rather than once per four tokens.
 *
 * <p>Bit-identity with the one-token kernels: a block weight ({@code F16 scale × small integer}, or Q4_K/Q5_K's
 * {@code d1*q - m1}) is computed by the same vector code here and in {@code dotRow}, and this kernel then sums exactly
 * as {@code dotRow} does: chunks of {@link GgmlBlocks#L} weights, even chunks into one accumulator and odd ones into
 * another, one fma per chunk in row order, and {@link GgmlBlocks#sumLanes} of their sum. So a token's result does not
 * depend on whether it was decoded alone or prefilled in a batch.
 *
 * <p>The tile rows and the copied activations are stored split ({@link #scratch}): a row's even chunks first, then
 * its odd ones. Each of the two chains then reads one contiguous half-row, so it can run as its own pass of a 4x6
 * register tile with one accumulator per product, where both chains at once fit only 3x4.
 */
final class GgmlTiles {

    /** Batches smaller than this use the fused kernels (decode is one token): dequantizing a tile would not pay. */
    static final int MIN_TOKENS = 8;

    private GgmlTiles() {}

    /** Whether {@code count} tokens take the tiled path. */
    static boolean tiled(int count) {
        return GgmlBlocks.VECTOR && count >= MIN_TOKENS;
    }

    /**
     * The scratch of one {@link Matrix#matMulRows} task over {@code cols}-weight rows: {@code xs[0..count)} copied in
     * the split layout, room for a tile of {@link Matrix#ROW_TILE} rows and the register tiles' accumulators (per
     * thread, reused: the hot loop allocates nothing), at 64-byte-aligned rows where that can be known.
     *
     * <p>The caller (each block type's {@code matMulRows}) then, for each tile of {@link Matrix#ROW_TILE} rows, writes
     * the rows' dequantized weights, exactly as their dotRow sees them, at {@code buffer[tile + r * stride..)} in the
     * split layout (chunk {@code k} of {@link GgmlBlocks#L} weights at {@code (k / 2) * L} if even, at
     * {@code cols / 2 + (k / 2) * L} if odd) and calls {@link #multiply} on {@code (buffer, tile, stride, .., x, .., acc)}.
     * The row loop is in each type, not here behind one interface call: at a shared call site C2 inlined one decoder
     * and then ran out of node budget for the other's weights (h7-split).
     */
    static TileScratch scratch(int cols, float[][] xs, int count) {
        TileScratch s = TileScratch.layout(SUMS, Matrix.ROW_TILE, cols, count);
        int half = cols / 2;
        for (int t = 0; t < count; t++) {
            float[] x = xs[t];
            int xt = s.x + t * s.stride;
            for (int i = 0; i < cols; i += 2 * L) {
                FloatVector.fromArray(F, x, i).intoArray(s.buffer, xt + i / 2);
                FloatVector.fromArray(F, x, i + L).intoArray(s.buffer, xt + half + i / 2);
            }
        }
        return s;
    }

    /** Floats of accumulators {@link #multiply} needs at {@code m[sums..)}: {@link #dot4x6}'s two passes. */
    static final int SUMS = 48 * L;

    /**
     * {@code outs[t][outRow + r] = tile row r · token t} for the {@code rows} dequantized rows of {@code cols} weights at
     * {@code m[tile + r * stride..)}, the activations at {@code m[x + t * stride..)}, and every {@code t < count};
     * {@code m[sums..)} holds {@link #SUMS} floats. {@code cols} is a multiple of {@code 2 * L} (whole ggml blocks).
     */
    static void multiply(float[] m, int tile, int stride, int rows, int cols, int x, float[][] outs, int count, int outRow,
                         int sums) {
        int t = 0;
        for (; t + 6 <= count; t += 6) {
            int xt = x + t * stride;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int w = tile + r * stride;
                // The even chunks' chains, then the odd ones': each pass is a one-accumulator 4x6 register tile.
                dot4x6(m, w, stride, 0, cols / 2, xt, sums);
                dot4x6(m, w, stride, cols / 2, cols, xt, sums + 24 * L);
                store4x6(m, sums, outs, t, outRow + r);
            }
            if (r < rows) {
                fourTokens(m, tile, stride, r, rows, cols, xt, outs, t, outRow, sums);
                for (; r < rows; r++) {
                    for (int j = 4; j < 6; j++) outs[t + j][outRow + r] = dot(m, tile + r * stride, cols, xt + j * stride);
                }
            }
        }
        for (; t + 4 <= count; t += 4) fourTokens(m, tile, stride, 0, rows, cols, x + t * stride, outs, t, outRow, sums);
        for (; t < count; t++) {
            for (int r = 0; r < rows; r++) outs[t][outRow + r] = dot(m, tile + r * stride, cols, x + t * stride);
        }
    }

    /** Rows {@code [r, rows)} of the tile times the four tokens at {@code m[xt + j * stride..)}, {@code j < 4}. */
    private static void fourTokens(float[] m, int tile, int stride, int r, int rows, int cols, int xt, float[][] outs,
                                   int t, int outRow, int sums) {
        for (; r + 3 <= rows; r += 3) {
            dot3x4(m, tile + r * stride, stride, cols, xt, sums);
            store(m, sums, 3, outs, t, outRow + r);
        }
        if (r + 2 <= rows) {
            dot2x4(m, tile + r * stride, stride, cols, xt, sums);
            store(m, sums, 2, outs, t, outRow + r);
            r += 2;
        }
        if (r < rows) dot4(m, tile + r * stride, stride, cols, xt, outs, t, outRow + r);
    }

    /**
     * One of {@link #dot}'s two chains for four rows by six tokens: the split rows' chunks {@code [from, to)} (the
     * first half: the even chunks, accumulator {@code a}; the second: the odd ones, {@code b}), each product a single
     * fma chain in row order. Run once per chain, the 4x6 register tile fits (24 accumulators, 4 weight and 6
     * activation loads per 24 fmas) where both chains at once allowed only 3x4 (14 loads per 24 fmas). Accumulator
     * (row k, token j) goes to {@code m[sums + (6k + j) * L..)}; the lane sums are {@link #store4x6}'s (as in
     * {@link #dot2x4}, inlined here they would push C2 past its node-count cutoff).
     */
    private static void dot4x6(float[] m, int wOff, int stride, int from, int to, int x, int sums) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride, x4 = x3 + stride, x5 = x4 + stride;
        int o1 = wOff + stride, o2 = o1 + stride, o3 = o2 + stride;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0, d4 = a0, d5 = a0;
        for (int i = from; i < to; i += L) {
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
        a0.intoArray(m, sums);
        a1.intoArray(m, sums + L);
        a2.intoArray(m, sums + 2 * L);
        a3.intoArray(m, sums + 3 * L);
        a4.intoArray(m, sums + 4 * L);
        a5.intoArray(m, sums + 5 * L);
        b0.intoArray(m, sums + 6 * L);
        b1.intoArray(m, sums + 7 * L);
        b2.intoArray(m, sums + 8 * L);
        b3.intoArray(m, sums + 9 * L);
        b4.intoArray(m, sums + 10 * L);
        b5.intoArray(m, sums + 11 * L);
        c0.intoArray(m, sums + 12 * L);
        c1.intoArray(m, sums + 13 * L);
        c2.intoArray(m, sums + 14 * L);
        c3.intoArray(m, sums + 15 * L);
        c4.intoArray(m, sums + 16 * L);
        c5.intoArray(m, sums + 17 * L);
        d0.intoArray(m, sums + 18 * L);
        d1.intoArray(m, sums + 19 * L);
        d2.intoArray(m, sums + 20 * L);
        d3.intoArray(m, sums + 21 * L);
        d4.intoArray(m, sums + 22 * L);
        d5.intoArray(m, sums + 23 * L);
    }

    /** {@link #dot}'s {@code sumLanes(a.add(b))} of {@link #dot4x6}'s two passes (even at {@code sums}, odd 24 vectors on). */
    private static void store4x6(float[] m, int sums, float[][] outs, int t0, int outRow) {
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 6; j++) {
                int at = sums + (6 * k + j) * L;
                FloatVector even = FloatVector.fromArray(F, m, at), odd = FloatVector.fromArray(F, m, at + 24 * L);
                outs[t0 + j][outRow + k] = GgmlBlocks.sumLanes(even.add(odd));
            }
        }
    }

    private static float dot(float[] m, int off, int cols, int x) {
        FloatVector a = FloatVector.zero(F), b = a;
        int half = cols / 2;
        for (int i = 0; i < half; i += L) {
            a = FloatVector.fromArray(F, m, off + i).fma(FloatVector.fromArray(F, m, x + i), a);
            b = FloatVector.fromArray(F, m, off + half + i).fma(FloatVector.fromArray(F, m, x + half + i), b);
        }
        return GgmlBlocks.sumLanes(a.add(b));
    }

    /**
     * Two rows by four tokens: each activation chunk is loaded once for both rows (12 loads per 16 fmas rather than
     * 20). Per row and token the accumulators and their order are those of {@link #dot}.
     */
    private static void dot2x4(float[] m, int off, int stride, int cols, int x, int sums) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
        int off2 = off + stride, half = cols / 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        for (int i = 0; i < half; i += L) {
            int j = i + half;
            FloatVector u = FloatVector.fromArray(F, m, off + i), v = FloatVector.fromArray(F, m, off + j);
            FloatVector p = FloatVector.fromArray(F, m, off2 + i), q = FloatVector.fromArray(F, m, off2 + j);
            FloatVector xa = FloatVector.fromArray(F, m, x0 + i), xb = FloatVector.fromArray(F, m, x0 + j);
            a0 = u.fma(xa, a0);
            b0 = v.fma(xb, b0);
            c0 = p.fma(xa, c0);
            d0 = q.fma(xb, d0);
            xa = FloatVector.fromArray(F, m, x1 + i);
            xb = FloatVector.fromArray(F, m, x1 + j);
            a1 = u.fma(xa, a1);
            b1 = v.fma(xb, b1);
            c1 = p.fma(xa, c1);
            d1 = q.fma(xb, d1);
            xa = FloatVector.fromArray(F, m, x2 + i);
            xb = FloatVector.fromArray(F, m, x2 + j);
            a2 = u.fma(xa, a2);
            b2 = v.fma(xb, b2);
            c2 = p.fma(xa, c2);
            d2 = q.fma(xb, d2);
            xa = FloatVector.fromArray(F, m, x3 + i);
            xb = FloatVector.fromArray(F, m, x3 + j);
            a3 = u.fma(xa, a3);
            b3 = v.fma(xb, b3);
            c3 = p.fma(xa, c3);
            d3 = q.fma(xb, d3);
        }
        // Eight lane sums inlined here would push C2 past its node-count cutoff, and a vector passed to a call that is
        // not inlined gets boxed: the sums go through memory to a small method instead (same values, same order).
        a0.add(b0).intoArray(m, sums);
        a1.add(b1).intoArray(m, sums + L);
        a2.add(b2).intoArray(m, sums + 2 * L);
        a3.add(b3).intoArray(m, sums + 3 * L);
        c0.add(d0).intoArray(m, sums + 4 * L);
        c1.add(d1).intoArray(m, sums + 5 * L);
        c2.add(d2).intoArray(m, sums + 6 * L);
        c3.add(d3).intoArray(m, sums + 7 * L);
    }

    /** The lane sums of {@link #dot3x4}'s or {@link #dot2x4}'s vectors (row k, token j at {@code m[sums + (4k + j) * L..)}). */
    private static void store(float[] m, int sums, int rows, float[][] outs, int t0, int outRow) {
        for (int k = 0; k < rows; k++) {
            for (int j = 0; j < 4; j++) outs[t0 + j][outRow + k] = GgmlBlocks.sumLanes(FloatVector.fromArray(F, m, sums + (4 * k + j) * L));
        }
    }

    /**
     * Three rows by four tokens, the largest tile whose accumulators fit the 32 vector registers with two per product:
     * 24 accumulators, and 6 weight plus 8 activation loads per 24 fmas (two rows: 12 per 16). Per row and token the
     * accumulators and their order are those of {@link #dot}.
     */
    private static void dot3x4(float[] m, int off, int stride, int cols, int x, int sums) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
        int off1 = off + stride, off2 = off1 + stride, half = cols / 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        FloatVector e0 = a0, e1 = a0, e2 = a0, e3 = a0, g0 = a0, g1 = a0, g2 = a0, g3 = a0;
        for (int i = 0; i < half; i += L) {
            FloatVector u = FloatVector.fromArray(F, m, off + i), p = FloatVector.fromArray(F, m, off1 + i);
            FloatVector q = FloatVector.fromArray(F, m, off2 + i);
            FloatVector v = FloatVector.fromArray(F, m, x0 + i);
            a0 = u.fma(v, a0);
            c0 = p.fma(v, c0);
            e0 = q.fma(v, e0);
            v = FloatVector.fromArray(F, m, x1 + i);
            a1 = u.fma(v, a1);
            c1 = p.fma(v, c1);
            e1 = q.fma(v, e1);
            v = FloatVector.fromArray(F, m, x2 + i);
            a2 = u.fma(v, a2);
            c2 = p.fma(v, c2);
            e2 = q.fma(v, e2);
            v = FloatVector.fromArray(F, m, x3 + i);
            a3 = u.fma(v, a3);
            c3 = p.fma(v, c3);
            e3 = q.fma(v, e3);
            int j = i + half;
            u = FloatVector.fromArray(F, m, off + j);
            p = FloatVector.fromArray(F, m, off1 + j);
            q = FloatVector.fromArray(F, m, off2 + j);
            v = FloatVector.fromArray(F, m, x0 + j);
            b0 = u.fma(v, b0);
            d0 = p.fma(v, d0);
            g0 = q.fma(v, g0);
            v = FloatVector.fromArray(F, m, x1 + j);
            b1 = u.fma(v, b1);
            d1 = p.fma(v, d1);
            g1 = q.fma(v, g1);
            v = FloatVector.fromArray(F, m, x2 + j);
            b2 = u.fma(v, b2);
            d2 = p.fma(v, d2);
            g2 = q.fma(v, g2);
            v = FloatVector.fromArray(F, m, x3 + j);
            b3 = u.fma(v, b3);
            d3 = p.fma(v, d3);
            g3 = q.fma(v, g3);
        }
        // As in dot2x4: the lane sums go through memory to a small method.
        a0.add(b0).intoArray(m, sums);
        a1.add(b1).intoArray(m, sums + L);
        a2.add(b2).intoArray(m, sums + 2 * L);
        a3.add(b3).intoArray(m, sums + 3 * L);
        c0.add(d0).intoArray(m, sums + 4 * L);
        c1.add(d1).intoArray(m, sums + 5 * L);
        c2.add(d2).intoArray(m, sums + 6 * L);
        c3.add(d3).intoArray(m, sums + 7 * L);
        e0.add(g0).intoArray(m, sums + 8 * L);
        e1.add(g1).intoArray(m, sums + 9 * L);
        e2.add(g2).intoArray(m, sums + 10 * L);
        e3.add(g3).intoArray(m, sums + 11 * L);
    }

    private static void dot4(float[] m, int off, int stride, int cols, int x, float[][] outs, int t0, int outRow) {
        int x0 = x, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride, half = cols / 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int i = 0; i < half; i += L) {
            int j = i + half;
            FloatVector u = FloatVector.fromArray(F, m, off + i), v = FloatVector.fromArray(F, m, off + j);
            a0 = u.fma(FloatVector.fromArray(F, m, x0 + i), a0);
            b0 = v.fma(FloatVector.fromArray(F, m, x0 + j), b0);
            a1 = u.fma(FloatVector.fromArray(F, m, x1 + i), a1);
            b1 = v.fma(FloatVector.fromArray(F, m, x1 + j), b1);
            a2 = u.fma(FloatVector.fromArray(F, m, x2 + i), a2);
            b2 = v.fma(FloatVector.fromArray(F, m, x2 + j), b2);
            a3 = u.fma(FloatVector.fromArray(F, m, x3 + i), a3);
            b3 = v.fma(FloatVector.fromArray(F, m, x3 + j), b3);
        }
        outs[t0][outRow] = GgmlBlocks.sumLanes(a0.add(b0));
        outs[t0 + 1][outRow] = GgmlBlocks.sumLanes(a1.add(b1));
        outs[t0 + 2][outRow] = GgmlBlocks.sumLanes(a2.add(b2));
        outs[t0 + 3][outRow] = GgmlBlocks.sumLanes(a3.add(b3));
    }
}
