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

    /** Per-thread room for {@link #dotRows4}'s four accumulators. */
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[4 * L]);

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

    /**
     * Batches of {@link GgmlTiles#MIN_TOKENS} tokens or more decode each tile of rows once for the whole batch: the quants
     * as floats and the scales beside them, so {@link Q8Tiles} sums in {@link #dotRow}'s per-block order.
     */
    @Override
    public void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        if (!GgmlTiles.tiled(count)) {
            Matrix.super.matMulRows(from, to, xs, count, outs, outShift);
            return;
        }
        int scalesAt = Matrix.ROW_TILE * cols, blocks = cols / BLOCK;
        float[] tile = GgmlTiles.scratch(scalesAt + Matrix.ROW_TILE * blocks);
        for (int r0 = from; r0 < to; r0 += Matrix.ROW_TILE) {
            int n = Math.min(Matrix.ROW_TILE, to - r0);
            for (int r = 0; r < n; r++) decodeRow(r0 + r, tile, r * cols, scalesAt + r * blocks);
            Q8Tiles.multiply(tile, scalesAt, n, cols, xs, outs, count, outShift + r0);
        }
    }

    /** Row {@code row}'s quants as floats (exact) into {@code out[off..off + cols)}, its block scales from {@code scalesOff}. */
    private void decodeRow(int row, float[] out, int off, int scalesOff) {
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            out[scalesOff++] = GgmlBlocks.half(data, at);
            for (int c = 0; c < BLOCK; c += L) quants(at + 2 + c).intoArray(out, off + i + c);
        }
    }

    /**
     * The order every Q8_0 vector kernel keeps: per block, {@code s = q·x} over its chunks of {@code L} (a multiply,
     * then one fma per further chunk; {@code q} as floats is exact), then {@code acc = fma(s, d, acc)}, one chain per
     * row, and {@link GgmlBlocks#sumLanes} of it. The scale is applied once per block rather than once per chunk.
     */
    @Override
    public float dotRow(int row, float[] x) {
        if (!GgmlBlocks.VECTOR) return GgmlBlocks.scalarDot(this, row, x);
        FloatVector a = FloatVector.zero(F);
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) a = block(at, x, i, a);
        return GgmlBlocks.sumLanes(a);
    }

    /**
     * Decode: four rows per pass over {@code x}, one chain per row in {@link #dotRow}'s order (the same bits). On
     * 2048-8192-wide rows read from memory the kernel waits on the loads: four rows keep more of them in flight than two.
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        int r = from;
        if (GgmlBlocks.VECTOR) for (; r + 4 <= to; r += 4) dotRows4(r, x, out, r + outShift);
        for (; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    private void dotRows4(int row, float[] x, float[] out, int outRow) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long at = row * rowBytes, rb = rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            if (BLOCK == 2 * L) {
                // 16 lanes: the block's two activation chunks are loaded once for the four rows.
                FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
                a0 = block2(at, u, v, a0);
                a1 = block2(at + rb, u, v, a1);
                a2 = block2(at + 2 * rb, u, v, a2);
                a3 = block2(at + 3 * rb, u, v, a3);
            } else {
                a0 = block(at, x, i, a0);
                a1 = block(at + rb, x, i, a1);
                a2 = block(at + 2 * rb, x, i, a2);
                a3 = block(at + 3 * rb, x, i, a3);
            }
        }
        // Four lane sums inline pass C2's node-count cutoff (the last block's scale and the sums were left as calls and
        // the vectors boxed: 2x slower), so they go through memory to a small method, as in GgmlTiles.
        float[] sums = SUMS.get();
        a0.intoArray(sums, 0);
        a1.intoArray(sums, L);
        a2.intoArray(sums, 2 * L);
        a3.intoArray(sums, 3 * L);
        store4(sums, out, outRow);
    }

    private static void store4(float[] sums, float[] out, int outRow) {
        for (int k = 0; k < 4; k++) out[outRow + k] = GgmlBlocks.sumLanes(FloatVector.fromArray(F, sums, k * L));
    }

    /** {@code acc + d * (q · x)} for the block at {@code at} and {@code x[i..i + 32)}, in {@link #dotRow}'s order. */
    private FloatVector block(long at, float[] x, int i, FloatVector acc) {
        FloatVector s = quants(at + 2).mul(FloatVector.fromArray(F, x, i));
        for (int c = L; c < BLOCK; c += L) s = quants(at + 2 + c).fma(FloatVector.fromArray(F, x, i + c), s);
        return s.fma(scale(at), acc);
    }

    /** {@link #block} when a block is two chunks ({@code u}, {@code v}: its activations). */
    private FloatVector block2(long at, FloatVector u, FloatVector v, FloatVector acc) {
        return quants(at + 2 + L).fma(v, quants(at + 2).mul(u)).fma(scale(at), acc);
    }

    /** The block at {@code at}'s F16 scale, in every lane. */
    private FloatVector scale(long at) {
        return FloatVector.broadcast(F, GgmlBlocks.half(data, at));
    }

    /** Four tokens per pass (prefill batches below the tile threshold); per token the sums are those of {@link #dotRow}. */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        if (!GgmlBlocks.VECTOR) {
            Matrix.super.dotRow4(row, xs, t0, outs, outRow);
            return;
        }
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            if (BLOCK == 2 * L) {
                // 16 lanes: the block's quants are converted once for the four tokens.
                FloatVector u = quants(at + 2), v = quants(at + 2 + L), d = scale(at);
                int j = i + L;
                a0 = v.fma(FloatVector.fromArray(F, x0, j), u.mul(FloatVector.fromArray(F, x0, i))).fma(d, a0);
                a1 = v.fma(FloatVector.fromArray(F, x1, j), u.mul(FloatVector.fromArray(F, x1, i))).fma(d, a1);
                a2 = v.fma(FloatVector.fromArray(F, x2, j), u.mul(FloatVector.fromArray(F, x2, i))).fma(d, a2);
                a3 = v.fma(FloatVector.fromArray(F, x3, j), u.mul(FloatVector.fromArray(F, x3, i))).fma(d, a3);
            } else {
                a0 = block(at, x0, i, a0);
                a1 = block(at, x1, i, a1);
                a2 = block(at, x2, i, a2);
                a3 = block(at, x3, i, a3);
            }
        }
        outs[t0][outRow] = GgmlBlocks.sumLanes(a0);
        outs[t0 + 1][outRow] = GgmlBlocks.sumLanes(a1);
        outs[t0 + 2][outRow] = GgmlBlocks.sumLanes(a2);
        outs[t0 + 3][outRow] = GgmlBlocks.sumLanes(a3);
    }

    /** {@code L} quants from {@code at} as floats (exact: they are bytes). */
    private FloatVector quants(long at) {
        return (FloatVector) GgmlBlocks.bytes(data, at).convertShape(VectorOperators.B2F, F, 0);
    }
}
