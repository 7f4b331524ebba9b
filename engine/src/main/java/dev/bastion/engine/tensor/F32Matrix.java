package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** A little-endian F32 matrix used in place (typically straight from a memory-mapped SafeTensors file). */
public final class F32Matrix implements Matrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final int rows;
    private final int cols;

    /** @param data native (off-heap or mapped) memory of exactly {@code rows * cols * 4} bytes */
    public F32Matrix(MemorySegment data, int rows, int cols) {
        this.data = MatrixChecks.requireSize(data, rows, cols, Float.BYTES, "F32");
        this.rows = rows;
        this.cols = cols;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    // The kernels are written out per storage type rather than shared through a base class: the Vector API only
    // avoids boxing when load() is inlined, which a call site shared by several matrix classes would prevent.
    /**
     * One accumulator over the chunks of lanes, then {@link VectorMath#sumLanes}, then the scalar tail: the order of
     * {@link TileKernels#dot}, which prefill's tiles and {@link #dotRow4} follow too, so decode and prefill compute
     * bit-identical results and a reused KV cache equals a fresh prefill.
     */
    @Override
    public float dotRow(int row, float[] x) {
        long base = (long) row * cols * Float.BYTES;
        int vectorEnd = cols - cols % F.length();
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < vectorEnd; i += F.length()) a = load(base + (long) i * Float.BYTES).fma(FloatVector.fromArray(F, x, i), a);
        return tail(base, vectorEnd, x, VectorMath.sumLanes(a));
    }

    /** Four tokens per weight load: each weight vector is read once and used for all four. */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        long base = (long) row * cols * Float.BYTES;
        int vectorEnd = cols - cols % F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < vectorEnd; i += F.length()) {
            FloatVector w = load(base + (long) i * Float.BYTES);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
        }
        outs[t0][outRow] = tail(base, vectorEnd, x0, VectorMath.sumLanes(a0));
        outs[t0 + 1][outRow] = tail(base, vectorEnd, x1, VectorMath.sumLanes(a1));
        outs[t0 + 2][outRow] = tail(base, vectorEnd, x2, VectorMath.sumLanes(a2));
        outs[t0 + 3][outRow] = tail(base, vectorEnd, x3, VectorMath.sumLanes(a3));
    }

    /**
     * Decode: four rows per pass over {@code x}, four independent accumulators, each row in {@link #dotRow}'s order;
     * the four rows are a quarter of the range apart, as in {@link Bf16Matrix#matVecRows} (neighbouring rows read
     * slower from memory).
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        int quarter = (to - from) / 4;
        for (int r = from; r < from + quarter; r++) dotRows4(r, quarter, x, out, outShift);
        for (int r = from + 4 * quarter; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    /** Rows {@code row + k * stride} for k < 4, written at their index plus {@code outShift}. */
    private void dotRows4(int row, int stride, float[] x, float[] out, int outShift) {
        long rowBytes = (long) cols * Float.BYTES;
        long base = row * rowBytes, step = stride * rowBytes;
        int vectorEnd = cols - cols % F.length();
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (int i = 0; i < vectorEnd; i += F.length()) {
            long at = base + (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromArray(F, x, i);
            a = load(at).fma(v, a);
            b = load(at + step).fma(v, b);
            c = load(at + 2 * step).fma(v, c);
            d = load(at + 3 * step).fma(v, d);
        }
        int outRow = row + outShift;
        out[outRow] = tail(base, vectorEnd, x, VectorMath.sumLanes(a));
        out[outRow + stride] = tail(base + step, vectorEnd, x, VectorMath.sumLanes(b));
        out[outRow + 2 * stride] = tail(base + 2 * step, vectorEnd, x, VectorMath.sumLanes(c));
        out[outRow + 3 * stride] = tail(base + 3 * step, vectorEnd, x, VectorMath.sumLanes(d));
    }

    /** {@code sum} plus the row's columns from {@code from} on, one at a time in order. */
    private float tail(long base, int from, float[] x, float sum) {
        for (int i = from; i < cols; i++) sum += data.get(FLOAT, base + (long) i * Float.BYTES) * x[i];
        return sum;
    }

    /**
     * Prefill: copies each tile of {@link #ROW_TILE} rows into a heap array once for the whole batch (whose loads,
     * unlike a memory segment's, carry no per-load bounds check) and multiplies it with {@link TileKernels}' register
     * tiles, in {@link #dotRow}'s order. The tile and a copy of the activations sit in {@link TileScratch}.
     */
    @Override
    public void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        if (count < 4) {
            Matrix.super.matMulRows(from, to, xs, count, outs, outShift);
            return;
        }
        TileScratch s = TileScratch.forThread(TileKernels.scratchSize(), ROW_TILE, cols, xs, count);
        for (int first = from; first < to; first += ROW_TILE) {
            int tileRows = Math.min(to, first + ROW_TILE) - first;
            for (int r = 0; r < tileRows; r++) {
                MemorySegment.copy(data, FLOAT, (long) (first + r) * cols * Float.BYTES, s.buffer, s.tile + r * s.stride, cols);
            }
            TileKernels.tileTimesBatch(s.buffer, s.tile, s.stride, tileRows, cols, s.x, count, outs, first + outShift, s.acc);
        }
    }

    @Override
    public void copyRow(int row, float[] out) {
        MemorySegment.copy(data, FLOAT, (long) row * cols * Float.BYTES, out, 0, cols);
    }

    private FloatVector load(long byteOffset) {
        return FloatVector.fromMemorySegment(F, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
    }
}
