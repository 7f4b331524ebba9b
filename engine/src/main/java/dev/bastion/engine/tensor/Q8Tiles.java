package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * {@link GgmlQ8_0Matrix}'s batched product over a decoded tile: each row's quants as floats ({@code cols} per row) and,
 * from {@code scalesAt}, its block scales ({@code cols / 32} per row). Per row and token the sum is
 * {@link GgmlQ8_0Matrix#dotRow}'s: per block {@code s = q·x} over the chunks in order (a multiply, then fmas), then
 * {@code acc = fma(s, d, acc)}, and {@link GgmlBlocks#sumLanes} of the one chain, so prefill equals decode bit for bit.
 */
final class Q8Tiles {

    private static final int BLOCK = GgmlQ8_0Matrix.BLOCK;

    /** Per-thread room for {@link #dot2x4}'s eight sums. */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[8 * L]);

    private Q8Tiles() {}

    /** {@code outs[t][outRow + r] = tile row r · xs[t]} for the tile's {@code rows} rows and every {@code t < count}. */
    static void multiply(float[] tile, int scalesAt, int rows, int cols, float[][] xs, float[][] outs, int count, int outRow) {
        int blocks = cols / BLOCK;
        float[] sums = SUMS.get();
        int t = 0;
        for (; t + 4 <= count; t += 4) {
            int r = 0;
            // Two rows share each activation load; with 16 lanes a block is two chunks, so both rows' weights stay in registers.
            if (L * 2 == BLOCK) {
                for (; r + 2 <= rows; r += 2) {
                    dot2x4(tile, r * cols, scalesAt + r * blocks, cols, xs, t, sums);
                    for (int k = 0; k < 2; k++) {
                        for (int j = 0; j < 4; j++) outs[t + j][outRow + r + k] = GgmlBlocks.sumLanes(FloatVector.fromArray(F, sums, (4 * k + j) * L));
                    }
                }
            }
            for (; r < rows; r++) dot1x4(tile, r * cols, scalesAt + r * blocks, cols, xs, t, outs, outRow + r);
        }
        for (; t < count; t++) {
            for (int r = 0; r < rows; r++) outs[t][outRow + r] = dot(tile, r * cols, scalesAt + r * blocks, cols, xs[t]);
        }
    }

    private static float dot(float[] w, int off, int scales, int cols, float[] x) {
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < cols; i += BLOCK) a = block(w, off + i, x, i, tileScale(w, scales + i / BLOCK), a);
        return GgmlBlocks.sumLanes(a);
    }

    private static void dot1x4(float[] w, int off, int scales, int cols, float[][] xs, int t0, float[][] outs, int outRow) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < cols; i += BLOCK) {
            FloatVector d = tileScale(w, scales + i / BLOCK);
            a0 = block(w, off + i, x0, i, d, a0);
            a1 = block(w, off + i, x1, i, d, a1);
            a2 = block(w, off + i, x2, i, d, a2);
            a3 = block(w, off + i, x3, i, d, a3);
        }
        outs[t0][outRow] = GgmlBlocks.sumLanes(a0);
        outs[t0 + 1][outRow] = GgmlBlocks.sumLanes(a1);
        outs[t0 + 2][outRow] = GgmlBlocks.sumLanes(a2);
        outs[t0 + 3][outRow] = GgmlBlocks.sumLanes(a3);
    }

    /** Two rows by four tokens for 16 lanes (a block is chunks {@code i} and {@code i + L}); sums to {@code sums}, row k token j at {@code (4k + j) * L}. */
    private static void dot2x4(float[] w, int off, int scales, int cols, float[][] xs, int t0, float[] sums) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        int off1 = off + cols, scales1 = scales + cols / BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        for (int i = 0; i < cols; i += BLOCK) {
            int j = i + L;
            FloatVector u = FloatVector.fromArray(F, w, off + i), v = FloatVector.fromArray(F, w, off + j);
            FloatVector p = FloatVector.fromArray(F, w, off1 + i), q = FloatVector.fromArray(F, w, off1 + j);
            FloatVector d = tileScale(w, scales + i / BLOCK), e = tileScale(w, scales1 + i / BLOCK);
            FloatVector x = FloatVector.fromArray(F, x0, i), y = FloatVector.fromArray(F, x0, j);
            a0 = v.fma(y, u.mul(x)).fma(d, a0);
            c0 = q.fma(y, p.mul(x)).fma(e, c0);
            x = FloatVector.fromArray(F, x1, i);
            y = FloatVector.fromArray(F, x1, j);
            a1 = v.fma(y, u.mul(x)).fma(d, a1);
            c1 = q.fma(y, p.mul(x)).fma(e, c1);
            x = FloatVector.fromArray(F, x2, i);
            y = FloatVector.fromArray(F, x2, j);
            a2 = v.fma(y, u.mul(x)).fma(d, a2);
            c2 = q.fma(y, p.mul(x)).fma(e, c2);
            x = FloatVector.fromArray(F, x3, i);
            y = FloatVector.fromArray(F, x3, j);
            a3 = v.fma(y, u.mul(x)).fma(d, a3);
            c3 = q.fma(y, p.mul(x)).fma(e, c3);
        }
        // As in GgmlTiles: lane sums inline would push C2 past its node-count cutoff, so they go through memory.
        a0.intoArray(sums, 0);
        a1.intoArray(sums, L);
        a2.intoArray(sums, 2 * L);
        a3.intoArray(sums, 3 * L);
        c0.intoArray(sums, 4 * L);
        c1.intoArray(sums, 5 * L);
        c2.intoArray(sums, 6 * L);
        c3.intoArray(sums, 7 * L);
    }

    /** {@code acc + d * (q · x)} for the block of quants at {@code w[at..at + 32)} and {@code x[i..i + 32)}. */
    private static FloatVector block(float[] w, int at, float[] x, int i, FloatVector d, FloatVector acc) {
        FloatVector s = FloatVector.fromArray(F, w, at).mul(FloatVector.fromArray(F, x, i));
        for (int c = L; c < BLOCK; c += L) s = FloatVector.fromArray(F, w, at + c).fma(FloatVector.fromArray(F, x, i + c), s);
        return s.fma(d, acc);
    }

    private static FloatVector tileScale(float[] w, int at) {
        return FloatVector.broadcast(F, w[at]);
    }
}
