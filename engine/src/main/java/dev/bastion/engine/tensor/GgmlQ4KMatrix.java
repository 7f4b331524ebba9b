package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * ggml's Q4_K super-blocks used in place: per 256 weights F16 {@code d} and {@code dmin}, 12 bytes packing eight
 * 6-bit scales and mins (see {@link GgmlBlocks#scaleMinK4}), and 128 bytes of nibbles. Sub-block {@code s} (32
 * weights) is the low ({@code s} even) or high nibbles of bytes {@code 32 * (s / 2) ..}; {@code w = d*sc*q - dmin*m}.
 */
public final class GgmlQ4KMatrix implements Matrix {

    static final int BLOCK = 256, BYTES = 144;
    private static final int SCALES = 4, QS = 16;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    /** @param data native memory of exactly {@code rows * cols / 256} super-blocks of 144 bytes */
    public GgmlQ4KMatrix(MemorySegment data, int rows, int cols) {
        this.data = GgmlBlocks.requireBlocks(data, StorageType.Q4_K, rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
    }

    /** The reference dequantizer, straight from ggml's dequantize_row_q4_K. */
    public static void dequantizeRow(MemorySegment blocks, long at, float[] out, int count) {
        for (int b = 0; b < count / BLOCK; b++, at += BYTES) {
            float d = GgmlBlocks.half(blocks, at), dmin = GgmlBlocks.half(blocks, at + 2);
            for (int s = 0; s < 8; s++) {
                float d1 = d * GgmlBlocks.scaleMinK4(blocks, at + SCALES, s, 0);
                float m1 = dmin * GgmlBlocks.scaleMinK4(blocks, at + SCALES, s, 1);
                for (int l = 0; l < 32; l++) {
                    int q = GgmlBlocks.u8(blocks, at + QS + (s >> 1) * 32L + l);
                    out[b * BLOCK + s * 32 + l] = d1 * ((s & 1) == 0 ? q & 0x0F : q >> 4) - m1;
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
     * boxed their vectors (measured with DecodeKernelCpu running two types in one JVM; see docs/performance.md).
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        if (!GgmlBlocks.WIDE) {
            for (int r = from; r < to; r++) out[r + outShift] = dotRow(r, x);
            return;
        }
        int perRow = cols / BLOCK * 16;
        float[] scales = GgmlBlocks.scaleScratch(2 * perRow + 2 * L);
        // the pair is half the range apart: neighbouring rows streamed from memory read slower (Bf16Matrix#matVecRows)
        int half = (to - from) / 2;
        for (int r = from; r < from + half; r++) {
            unpackScales(r, scales, 0);
            unpackScales(r + half, scales, perRow);
            dotRows2(r, r + half, x, scales, perRow);
            out[r + outShift] = GgmlBlocks.sumLanes(scales, 2 * perRow);
            out[r + half + outShift] = GgmlBlocks.sumLanes(scales, 2 * perRow + L);
        }
        for (int r = from + 2 * half; r < to; r++) {
            unpackScales(r, scales, 0);
            out[r + outShift] = dotRowWide(r, x, scales);
        }
    }

    /**
     * {@link #dotRowWide} for rows {@code row} and {@code row2} in one pass (scales of the second row at
     * {@code scales[perRow..]}): each activation load serves both rows and four chains hide the fma latency; each row
     * keeps its own two chains in their order (the same bits). The sums are left at {@code scales[2 * perRow..]} for
     * the caller: inlined here, the lane sums passed C2's node-count cutoff (as the mask-and-convert form of the
     * weights did, with two rows, at 1.6 weights/ns: the table form has fewer vector operations to parse).
     */
    private void dotRows2(int row, int row2, float[] x, float[] scales, int perRow) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0;
        long at0 = row * rowBytes, at1 = row2 * rowBytes;
        for (int i = 0, k = 0; i < cols; i += BLOCK, at0 += BYTES, at1 += BYTES, k += 16) {
            for (int s = 0; s < 8; s += 2) {
                int p = i + s * 32, j = k + s, j1 = j + perRow;
                FloatVector x0 = FloatVector.fromArray(F, x, p), x1 = FloatVector.fromArray(F, x, p + 16);
                FloatVector x2 = FloatVector.fromArray(F, x, p + 32), x3 = FloatVector.fromArray(F, x, p + 48);
                long q = QS + s * 16L;
                IntVector u = GgmlBlocks.ints(data, at0 + q), v = GgmlBlocks.ints(data, at0 + q + 16);
                IntVector table = table(scales[j], scales[j + 8]);
                a0 = u.selectFrom(table).reinterpretAsFloats().fma(x0, a0);
                b0 = v.selectFrom(table).reinterpretAsFloats().fma(x1, b0);
                table = table(scales[j + 1], scales[j + 9]);
                a0 = u.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(x2, a0);
                b0 = v.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(x3, b0);
                u = GgmlBlocks.ints(data, at1 + q);
                v = GgmlBlocks.ints(data, at1 + q + 16);
                table = table(scales[j1], scales[j1 + 8]);
                a1 = u.selectFrom(table).reinterpretAsFloats().fma(x0, a1);
                b1 = v.selectFrom(table).reinterpretAsFloats().fma(x1, b1);
                table = table(scales[j1 + 1], scales[j1 + 9]);
                a1 = u.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(x2, a1);
                b1 = v.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(x3, b1);
            }
        }
        a0.add(b0).intoArray(scales, 2 * perRow);
        a1.add(b1).intoArray(scales, 2 * perRow + L);
    }

    /**
     * {@link #dotRow} with 16 lanes, the same two chains in the same order (the same bits), cheaper: each 16 bytes of
     * nibbles are loaded once for their two sub-blocks, each nibble picks its weight from its sub-block's {@link #table},
     * and the scales come from {@link #unpackScales}, a few lane operations per super-block in a separate pass instead
     * of scalar code per sub-block (inlined here, they pushed C2 past its node-count cutoff and the vectors were boxed,
     * 6x slower). Decode runs it for an odd last row; {@link #dotRows2} for pairs.
     */
    private float dotRowWide(int row, float[] x, float[] scales) {
        FloatVector a = FloatVector.zero(F), b = a;
        long at = row * rowBytes;
        for (int i = 0, k = 0; i < cols; i += BLOCK, at += BYTES, k += 16) {
            for (int s = 0; s < 8; s += 2) {
                int p = i + s * 32, j = k + s;
                long q = at + QS + s * 16L;
                IntVector u = GgmlBlocks.ints(data, q), v = GgmlBlocks.ints(data, q + 16);
                IntVector table = table(scales[j], scales[j + 8]);
                a = u.selectFrom(table).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, p), a);
                b = v.selectFrom(table).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, p + 16), b);
                table = table(scales[j + 1], scales[j + 9]);
                a = u.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, p + 32), a);
                b = v.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, p + 48), b);
            }
        }
        return GgmlBlocks.sumLanes(a.add(b));
    }

    /**
     * Row {@code row}'s {@code d1} of super-block b's sub-block s at {@code scales[off + 16b + s]} and {@code -m1} at
     * {@code [off + 16b + 8 + s]}: the same products as {@link #dotRow}'s ({@code -dmin * m} is {@code -(dmin * m)} exactly).
     */
    private void unpackScales(int row, float[] scales, int off) {
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES, off += 16) {
            FloatVector sm = GgmlBlocks.toFloat(GgmlBlocks.scalesAndMinsK4(data, at + SCALES));
            sm.mul(FloatVector.broadcast(F, GgmlBlocks.half(data, at)).blend(-GgmlBlocks.half(data, at + 2), MINS)).intoArray(scales, off);
        }
    }

    /** Lanes 8..15 of {@link GgmlBlocks#scalesAndMinsK4}'s vector hold the mins. */
    private static final VectorMask<Float> MINS = GgmlBlocks.WIDE ? VectorMask.fromLong(F, 0xFF00L) : null;

    private static final FloatVector NIBBLES = GgmlBlocks.WIDE
            ? FloatVector.fromArray(F, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0) : null;

    /**
     * A sub-block's 16 possible weights {@code d1*k - m1} as int bits, one lane per nibble value {@code k}, each the
     * reference's (one fma of an exact product, as {@link #weights}): a nibble picks its weight with one permute (the
     * index's low four bits are the nibble, so the low ones need no mask), instead of a mask, a convert and an fma.
     */
    private static IntVector table(float d1, float negMin) {
        return NIBBLES.fma(d1, negMin).reinterpretAsInts();
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
                long qs = at + QS + (s >> 1) * 32L;
                boolean high = (s & 1) != 0;
                for (int c = 0; c < 32; c += 2 * L) {
                    int e = off + ((i + s * 32 + c) >> 1);
                    weights(qs + c, high, d1, m1).intoArray(out, e);
                    weights(qs + c + L, high, d1, m1).intoArray(out, e + half);
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
                long qs = at + QS + (s >> 1) * 32L;
                boolean high = (s & 1) != 0;
                for (int c = 0, p = i + s * 32; c < 32; c += 2 * L, p += 2 * L) {
                    a = weights(qs + c, high, d1, m1).fma(FloatVector.fromArray(F, x, p), a);
                    b = weights(qs + c + L, high, d1, m1).fma(FloatVector.fromArray(F, x, p + L), b);
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
                long qs = at + QS + (s >> 1) * 32L;
                boolean high = (s & 1) != 0;
                for (int c = 0, p = i + s * 32; c < 32; c += 2 * L, p += 2 * L) {
                    FloatVector w = weights(qs + c, high, d1, m1), v = weights(qs + c + L, high, d1, m1);
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

    /** {@code L} weights from the nibbles at {@code at}, exactly as {@link #dequantizeRow} computes them. */
    private FloatVector weights(long at, boolean high, float d1, float m1) {
        IntVector q = GgmlBlocks.ints(data, at);
        q = (high ? q.lanewise(VectorOperators.LSHR, 4) : q).and(0x0F);
        // d1 * q is exact (17 by 4 significant bits), so one fma rounds d1 * q - m1 exactly as the reference's two steps do.
        return GgmlBlocks.toFloat(q).fma(d1, -m1);
    }
}
