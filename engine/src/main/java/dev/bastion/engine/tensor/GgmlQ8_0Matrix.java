package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * ggml's Q8_0 blocks used in place (as stored in a GGUF file): per 32 weights an F16 scale {@code d} and 32 signed
 * bytes, {@code w = d * q}. Also what {@link Q8Quantizer} produces at load, so one kernel serves both.
 */
public final class GgmlQ8_0Matrix implements Matrix {

    static final int BLOCK = 32, BYTES = 34;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    /** @param data native memory of exactly {@code rows * cols / 32} blocks of 34 bytes */
    public GgmlQ8_0Matrix(MemorySegment data, int rows, int cols) {
        this.data = GgmlBlocks.requireBlocks(data, StorageType.Q8_0, rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
    }

    /** The reference dequantizer, straight from ggml's dequantize_row_q8_0: {@code count} weights from {@code at}. */
    public static void dequantizeRow(MemorySegment blocks, long at, float[] out, int count) {
        for (int b = 0; b < count / BLOCK; b++, at += BYTES) {
            float d = GgmlBlocks.half(blocks, at);
            for (int j = 0; j < BLOCK; j++) out[b * BLOCK + j] = blocks.get(ValueLayout.JAVA_BYTE, at + 2 + j) * d;
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
            float d = GgmlBlocks.half(data, at);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                int e = off + ((i + c) >> 1);
                weights(at + 2 + c, d).intoArray(out, e);
                weights(at + 2 + c + L, d).intoArray(out, e + half);
            }
        }
    }

    /** Two accumulators (even and odd chunks of each block), in the same order per token as {@link #dotRow4}. */
    @Override
    public float dotRow(int row, float[] x) {
        if (!GgmlBlocks.VECTOR) return GgmlBlocks.scalarDot(this, row, x);
        FloatVector a = FloatVector.zero(F), b = a;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                a = weights(at + 2 + c, d).fma(FloatVector.fromArray(F, x, i + c), a);
                b = weights(at + 2 + c + L, d).fma(FloatVector.fromArray(F, x, i + c + L), b);
            }
        }
        return GgmlBlocks.sumLanes(a.add(b));
    }

    /**
     * Decode: two rows per pass over {@code x}, so each activation load serves both and four independent fma chains
     * hide the multiply-add latency; each row keeps {@link #dotRow}'s two chains and order (the same bits). The two
     * rows are half the range apart, not neighbours: neighbouring rows streamed from memory read slower (as in
     * {@link Bf16Matrix#matVecRows}). Four rows per pass outgrew what C2 inlines (NodeCountInliningCutoff on the last
     * row's decode) and ran 2-3x slower.
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        int half = GgmlBlocks.VECTOR ? (to - from) / 2 : 0;
        for (int r = from; r < from + half; r++) dotRows2(r, half, x, out, outShift);
        for (int r = from + 2 * half; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    /** Rows {@code row} and {@code row + stride}, written at their index plus {@code outShift}. */
    private void dotRows2(int row, int stride, float[] x, float[] out, int outShift) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long at = row * rowBytes, step = stride * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            long at1 = at + step;
            float d0 = GgmlBlocks.half(data, at), d1 = GgmlBlocks.half(data, at1);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                FloatVector u = FloatVector.fromArray(F, x, i + c), v = FloatVector.fromArray(F, x, i + c + L);
                a0 = weights(at + 2 + c, d0).fma(u, a0);
                b0 = weights(at + 2 + c + L, d0).fma(v, b0);
                a1 = weights(at1 + 2 + c, d1).fma(u, a1);
                b1 = weights(at1 + 2 + c + L, d1).fma(v, b1);
            }
        }
        out[row + outShift] = GgmlBlocks.sumLanes(a0.add(b0));
        out[row + stride + outShift] = GgmlBlocks.sumLanes(a1.add(b1));
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
                FloatVector w = weights(at + 2 + c, d), v = weights(at + 2 + c + L, d);
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

    /** {@code L} dequantized weights from the quants at {@code at}, exactly as {@link #dequantizeRow} computes them. */
    private FloatVector weights(long at, float d) {
        return ((FloatVector) GgmlBlocks.bytes(data, at).convertShape(VectorOperators.B2F, F, 0)).mul(d);
    }
}
