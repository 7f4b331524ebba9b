package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * ggml's Q4_0 blocks used in place: per 32 weights an F16 scale {@code d} and 16 bytes of nibbles, weight {@code j}
 * in the low nibble of byte {@code j} and weight {@code j + 16} in its high nibble; {@code w = d * (nibble - 8)}.
 */
public final class GgmlQ4_0Matrix implements Matrix {

    static final int BLOCK = 32, BYTES = 18;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    /** @param data native memory of exactly {@code rows * cols / 32} blocks of 18 bytes */
    public GgmlQ4_0Matrix(MemorySegment data, int rows, int cols) {
        this.data = GgmlBlocks.requireBlocks(data, StorageType.Q4_0, rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
    }

    /** The reference dequantizer, straight from ggml's dequantize_row_q4_0. */
    public static void dequantizeRow(MemorySegment blocks, long at, float[] out, int count) {
        for (int b = 0; b < count / BLOCK; b++, at += BYTES) {
            float d = GgmlBlocks.half(blocks, at);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = GgmlBlocks.u8(blocks, at + 2 + j);
                out[b * BLOCK + j] = ((q & 0x0F) - 8) * d;
                out[b * BLOCK + j + BLOCK / 2] = ((q >> 4) - 8) * d;
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
     * Row {@code row} into {@code out[off..off + cols)} in {@link GgmlTiles}' split layout (even chunks of L weights
     * in the first half, odd ones in the second), with the vector code of {@link #dotRow} (the same bits). The position
     * is computed here, not in a shared helper: in the model's JVM C2 left such a helper out of line (h6-q4kp).
     */
    private void decodeRow(int row, float[] out, int off) {
        long at = row * rowBytes;
        int half = cols / 2;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            if (LOOKUP) {
                IntVector table = CENTERED.mul(GgmlBlocks.half(data, at)).reinterpretAsInts();
                IntVector q = quants(at);
                int e = off + (i >> 1);
                q.selectFrom(table).reinterpretAsFloats().intoArray(out, e);
                q.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().intoArray(out, e + half);
                continue;
            }
            float d = GgmlBlocks.half(data, at);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                int e = off + ((i + c) >> 1);
                weights(at, c, d).intoArray(out, e);
                weights(at, c + L, d).intoArray(out, e + half);
            }
        }
    }

    /** Two accumulators (even and odd chunks of each block), in the same order per token as {@link #dotRow4}. */
    @Override
    public float dotRow(int row, float[] x) {
        if (!GgmlBlocks.VECTOR) return GgmlBlocks.scalarDot(this, row, x);
        FloatVector a = FloatVector.zero(F), b = a;
        long at = row * rowBytes;
        if (LOOKUP) {
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                IntVector table = CENTERED.mul(GgmlBlocks.half(data, at)).reinterpretAsInts();
                IntVector q = quants(at);
                a = q.selectFrom(table).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, i), a);
                b = q.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, i + L), b);
            }
            return GgmlBlocks.sumLanes(a.add(b));
        }
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                a = weights(at, c, d).fma(FloatVector.fromArray(F, x, i + c), a);
                b = weights(at, c + L, d).fma(FloatVector.fromArray(F, x, i + c + L), b);
            }
        }
        return GgmlBlocks.sumLanes(a.add(b));
    }

    /**
     * One token, two rows per pass: each row's sum is {@link #dotRow}'s chain, unchanged, but two independent chains
     * let the fma latency of one overlap the other's work (one row's two accumulators alone leave the core waiting).
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        // the pair is half the range apart: neighbouring rows streamed from memory read slower (Bf16Matrix#matVecRows)
        int half = LOOKUP ? (to - from) / 2 : 0;
        for (int r = from; r < from + half; r++) dotRows2(r, half, x, out, outShift);
        for (int r = from + 2 * half; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    /** {@link #dotRow}'s lookup path for rows {@code row} and {@code row + stride}, at their index plus {@code shift}. */
    private void dotRows2(int row, int stride, float[] x, float[] out, int shift) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, e = a;
        long at = row * rowBytes, at2 = (long) (row + stride) * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES, at2 += BYTES) {
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            IntVector table = CENTERED.mul(GgmlBlocks.half(data, at)).reinterpretAsInts(), q = quants(at);
            a = q.selectFrom(table).reinterpretAsFloats().fma(u, a);
            b = q.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(v, b);
            table = CENTERED.mul(GgmlBlocks.half(data, at2)).reinterpretAsInts();
            q = quants(at2);
            c = q.selectFrom(table).reinterpretAsFloats().fma(u, c);
            e = q.lanewise(VectorOperators.LSHR, 4).selectFrom(table).reinterpretAsFloats().fma(v, e);
        }
        out[row + shift] = GgmlBlocks.sumLanes(a.add(b));
        out[row + stride + shift] = GgmlBlocks.sumLanes(c.add(e));
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
            float d = GgmlBlocks.half(data, at);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                FloatVector w = weights(at, c, d), v = weights(at, c + L, d);
                int p = i + c, q = p + L;
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
        outs[t0][outRow] = GgmlBlocks.sumLanes(a0.add(b0));
        outs[t0 + 1][outRow] = GgmlBlocks.sumLanes(a1.add(b1));
        outs[t0 + 2][outRow] = GgmlBlocks.sumLanes(a2.add(b2));
        outs[t0 + 3][outRow] = GgmlBlocks.sumLanes(a3.add(b3));
    }

    /**
     * The weight of each nibble {@code k} of a block is {@code (k - 8) * d}: with 16 float lanes the block's 16 possible
     * weights are one vector ({@code CENTERED * d}, the same products as {@link #dequantizeRow}) and each nibble picks its
     * lane (one permute), instead of converting every nibble to float and scaling it.
     */
    private static final boolean LOOKUP = L == 16;
    private static final FloatVector CENTERED = LOOKUP
            ? FloatVector.fromArray(F, new float[] {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, 0) : null;

    /**
     * The block's 16 quant bytes at {@code at + 2}, one per int lane. As lookup indices they need no masking:
     * selectFrom wraps an index to its low four bits, which are the low nibble, or after a shift by 4 the high one.
     */
    private IntVector quants(long at) {
        return GgmlBlocks.ints(data, at + 2);
    }

    /** Weights {@code e .. e + L} of the block at {@code at}: low nibbles hold the first half, high nibbles the second. */
    private FloatVector weights(long at, int e, float d) {
        IntVector q = GgmlBlocks.ints(data, at + 2 + (e & 15));
        q = (e < 16 ? q : q.lanewise(VectorOperators.LSHR, 4)).and(0x0F);
        return GgmlBlocks.toFloat(q.sub(8)).mul(d);
    }
}
