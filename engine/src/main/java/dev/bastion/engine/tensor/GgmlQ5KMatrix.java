package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * ggml's Q5_K super-blocks used in place: as Q4_K (F16 {@code d}, {@code dmin}, 12 bytes packing eight
 * 6-bit scales and mins, 128 bytes of nibbles) plus 32 bytes {@code qh} whose bit {@code s} is the fifth bit of
 * sub-block {@code s}'s weights: {@code w = d*sc*(nibble + 16*bit) - dmin*m}.
 */
public final class GgmlQ5KMatrix implements Matrix {

    static final int BLOCK = 256, BYTES = 176;
    private static final int SCALES = 4, QH = 16, QS = 48;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    /** @param data native memory of exactly {@code rows * cols / 256} super-blocks of 176 bytes */
    public GgmlQ5KMatrix(MemorySegment data, int rows, int cols) {
        this.data = GgmlBlocks.requireBlocks(data, StorageType.Q5_K, rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
    }

    /** The reference dequantizer, straight from ggml's dequantize_row_q5_K. */
    public static void dequantizeRow(MemorySegment blocks, long at, float[] out, int count) {
        for (int b = 0; b < count / BLOCK; b++, at += BYTES) {
            float d = GgmlBlocks.half(blocks, at), dmin = GgmlBlocks.half(blocks, at + 2);
            for (int s = 0; s < 8; s++) {
                float d1 = d * GgmlBlocks.scaleMinK4(blocks, at + SCALES, s, 0);
                float m1 = dmin * GgmlBlocks.scaleMinK4(blocks, at + SCALES, s, 1);
                for (int l = 0; l < 32; l++) {
                    int q = GgmlBlocks.u8(blocks, at + QS + (s >> 1) * 32L + l);
                    int high = (GgmlBlocks.u8(blocks, at + QH + l) >> s & 1) << 4;
                    out[b * BLOCK + s * 32 + l] = d1 * (((s & 1) == 0 ? q & 0x0F : q >> 4) | high) - m1;
                }
            }
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public void copyRow(int row, float[] out) {
        dequantizeRow(data, row * rowBytes, out, cols);
    }

    /** Batches of {@link GgmlTiles#MIN_TOKENS} tokens or more dequantize each tile of rows once for the whole batch. */
    @Override
    public void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        if (!GgmlTiles.tiled(count)) {
            Matrix.super.matMulRows(from, to, xs, count, outs, outShift);
            return;
        }
        // This type's own row loop (see GgmlTiles.scratch): C2 inlines decodeRow whole into it.
        TileScratch s = GgmlTiles.scratch(cols, xs, count);
        for (int r0 = from; r0 < to; r0 += ROW_TILE) {
            int n = Math.min(ROW_TILE, to - r0);
            for (int r = 0; r < n; r++) decodeRow(r0 + r, s.buffer, s.tile + r * s.stride);
            GgmlTiles.multiply(s.buffer, s.tile, s.stride, n, cols, s.x, outs, count, outShift + r0, s.acc);
        }
    }

    /**
     * One token's rows with this class's own loop: through {@link Matrix}'s shared default, a JVM holding two block
     * types made its call to dotRow bimorphic, C2 inlined both kernels into one method, hit its node-count cutoff and
     * boxed their vectors (2-3x slower; seen with DecodeKernelCpu running two types in one JVM).
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        for (int r = from; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    /**
     * Row {@code row} into {@code out[off..off + cols)} in {@link GgmlTiles}' split layout (even chunks of L weights
     * in the first half, odd ones in the second), with the vector code of {@link #dotRow} (the same bits). The position
     * is computed here, not in a shared helper: in the model's JVM C2 left such a helper out of line (h6-q4kp).
     */
    private void decodeRow(int row, float[] out, int off) {
        long at = row * rowBytes;
        int half = cols / 2;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at), dmin = GgmlBlocks.half(data, at + 2);
            long sl = GgmlBlocks.packedLow(data, at + SCALES);
            int sh = GgmlBlocks.packedHigh(data, at + SCALES);
            for (int s = 0; s < 8; s++) {
                float d1 = d * GgmlBlocks.scaleK4(sl, sh, s);
                float m1 = dmin * GgmlBlocks.minK4(sl, sh, s);
                for (int c = 0; c < 32; c += 2 * L) {
                    int e = off + ((i + s * 32 + c) >> 1);
                    weights(at, s, c, d1, m1).intoArray(out, e);
                    weights(at, s, c + L, d1, m1).intoArray(out, e + half);
                }
            }
        }
    }

    /** Two accumulators (even and odd chunks of each sub-block), in the same order per token as {@link #dotRow4}. */
    @Override
    public float dotRow(int row, float[] x) {
        if (!GgmlBlocks.VECTOR) return GgmlBlocks.scalarDot(this, row, x);
        FloatVector a = FloatVector.zero(F), b = a;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at), dmin = GgmlBlocks.half(data, at + 2);
            long sl = GgmlBlocks.packedLow(data, at + SCALES);
            int sh = GgmlBlocks.packedHigh(data, at + SCALES);
            for (int s = 0; s < 8; s++) {
                float d1 = d * GgmlBlocks.scaleK4(sl, sh, s);
                float m1 = dmin * GgmlBlocks.minK4(sl, sh, s);
                for (int c = 0, p = i + s * 32; c < 32; c += 2 * L, p += 2 * L) {
                    a = weights(at, s, c, d1, m1).fma(FloatVector.fromArray(F, x, p), a);
                    b = weights(at, s, c + L, d1, m1).fma(FloatVector.fromArray(F, x, p + L), b);
                }
            }
        }
        return GgmlBlocks.sumLanes(a.add(b));
    }

    /** Each chunk is decoded once for four tokens (prefill); per token the sums are those of {@link #dotRow}. */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        if (!GgmlBlocks.VECTOR) {
            Matrix.super.dotRow4(row, xs, t0, outs, outRow);
            return;
        }
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at), dmin = GgmlBlocks.half(data, at + 2);
            long sl = GgmlBlocks.packedLow(data, at + SCALES);
            int sh = GgmlBlocks.packedHigh(data, at + SCALES);
            for (int s = 0; s < 8; s++) {
                float d1 = d * GgmlBlocks.scaleK4(sl, sh, s);
                float m1 = dmin * GgmlBlocks.minK4(sl, sh, s);
                for (int c = 0, p = i + s * 32; c < 32; c += 2 * L, p += 2 * L) {
                    FloatVector w = weights(at, s, c, d1, m1), v = weights(at, s, c + L, d1, m1);
                    int q = p + L;
                    a0 = w.fma(FloatVector.fromArray(F, x0, p), a0);
                    b0 = v.fma(FloatVector.fromArray(F, x0, q), b0);
                    a1 = w.fma(FloatVector.fromArray(F, x1, p), a1);
                    b1 = v.fma(FloatVector.fromArray(F, x1, q), b1);
                    a2 = w.fma(FloatVector.fromArray(F, x2, p), a2);
                    b2 = v.fma(FloatVector.fromArray(F, x2, q), b2);
                    a3 = w.fma(FloatVector.fromArray(F, x3, p), a3);
                    b3 = v.fma(FloatVector.fromArray(F, x3, q), b3);
                }
            }
        }
        outs[t0][outRow] = GgmlBlocks.sumLanes(a0.add(b0));
        outs[t0 + 1][outRow] = GgmlBlocks.sumLanes(a1.add(b1));
        outs[t0 + 2][outRow] = GgmlBlocks.sumLanes(a2.add(b2));
        outs[t0 + 3][outRow] = GgmlBlocks.sumLanes(a3.add(b3));
    }

    /** Weights {@code l .. l + L} of sub-block {@code s} of the super-block at {@code at}, exactly as {@link #dequantizeRow}. */
    private FloatVector weights(long at, int s, int l, float d1, float m1) {
        IntVector q = GgmlBlocks.ints(data, at + QS + (s >> 1) * 32L + l);
        q = ((s & 1) != 0 ? q.lanewise(VectorOperators.LSHR, 4) : q).and(0x0F);
        IntVector high = GgmlBlocks.ints(data, at + QH + l).lanewise(VectorOperators.LSHR, s).and(1);
        q = q.or(high.lanewise(VectorOperators.LSHL, 4));
        // d1 * q is exact (17 by 5 significant bits), so one fma rounds d1 * q - m1 exactly as the reference's two steps do.
        return GgmlBlocks.toFloat(q).fma(d1, -m1);
    }
}
