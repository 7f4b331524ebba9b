package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A little-endian BF16 matrix used in place. BF16 is the top half of an F32, so each lane widens short → int,
 * shifts left by 16 and is reinterpreted as float, inside the dot product (no F32 copy of the weights).
 */
public final class Bf16Matrix implements Matrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Half the bit size of F, so one short vector widens to exactly one float vector. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * Decode's wide path (512-bit vectors only, where AVX-512BW has a two-source word permute, vpermi2w): one load of
     * 2 * F.length() BF16 widened into two float vectors by two permutes with a zero vector, instead of two widening
     * loads and two shifts. The kernel was bound by those instructions: 1.14-1.2x the bytes per second in a probe of the 1B shape
     * (docs/performance.md, h6-bf16bw). Each float vector holds the same lanes as {@link #load}'s, so the order is kept.
     */
    private static final boolean WIDE = F.vectorBitSize() == 512;
    private static final VectorSpecies<Short> W = VectorSpecies.of(short.class, F.vectorShape());
    private static final ShortVector ZERO = ShortVector.zero(W);
    private static final ShortVector LOW_HALF = widening(0), HIGH_HALF = widening(F.length());
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final int rows;
    private final int cols;

    /** @param data native (off-heap or mapped) memory of exactly {@code rows * cols * 2} bytes */
    public Bf16Matrix(MemorySegment data, int rows, int cols) {
        this.data = MatrixChecks.requireSize(data, rows, cols, Short.BYTES, "BF16");
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
        long base = (long) row * cols * Short.BYTES;
        int vectorEnd = cols - cols % F.length();
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < vectorEnd; i += F.length()) a = load(base + (long) i * Short.BYTES).fma(FloatVector.fromArray(F, x, i), a);
        return tail(base, vectorEnd, x, VectorMath.sumLanes(a));
    }

    /** Four tokens per weight load: each weight vector is read and widened once and used for all four. */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        long base = (long) row * cols * Short.BYTES;
        int vectorEnd = cols - cols % F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < vectorEnd; i += F.length()) {
            FloatVector w = load(base + (long) i * Short.BYTES);
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
     * Decode: four rows per pass over {@code x}, four independent accumulators, each row in {@link #dotRow}'s order.
     * The four rows are a quarter of the range apart, not neighbours: four streams a row apart (4 KB at 2048 columns)
     * read about 15% slower from memory than one stream, or than four streams far apart (docs/performance.md).
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        int quarter = (to - from) / 4;
        for (int r = from; r < from + quarter; r++) dotRows4(r, quarter, x, out, outShift);
        for (int r = from + 4 * quarter; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    /** Rows {@code row + k * stride} for k < 4, written at their index plus {@code outShift}. */
    private void dotRows4(int row, int stride, float[] x, float[] out, int outShift) {
        long rowBytes = (long) cols * Short.BYTES;
        long base = row * rowBytes, step = stride * rowBytes;
        int vectorEnd = cols - cols % F.length();
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        int i = 0;
        if (WIDE) {
            int lanes = F.length();
            for (; i + 2 * lanes <= vectorEnd; i += 2 * lanes) {
                long at = base + (long) i * Short.BYTES;
                FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + lanes);
                ShortVector wa = raw(at), wb = raw(at + step), wc = raw(at + 2 * step), wd = raw(at + 3 * step);
                a = low(wa).fma(u, a);
                b = low(wb).fma(u, b);
                c = low(wc).fma(u, c);
                d = low(wd).fma(u, d);
                a = high(wa).fma(v, a);
                b = high(wb).fma(v, b);
                c = high(wc).fma(v, c);
                d = high(wd).fma(v, d);
            }
        }
        for (; i < vectorEnd; i += F.length()) {
            long at = base + (long) i * Short.BYTES;
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
        for (int i = from; i < cols; i++) sum += bf16(data.get(SHORT, base + (long) i * Short.BYTES)) * x[i];
        return sum;
    }

    /**
     * Prefill: widens each tile of {@link #ROW_TILE} rows to F32 once for the whole batch and multiplies it with
     * {@link TileKernels}' register tiles (widening is exact, and the order is {@link #dotRow}'s). The tile and a copy
     * of the activations sit in {@link TileScratch}, at 64-byte-aligned rows where that can be known.
     */
    @Override
    public void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        if (count < 4) { // a tile widened for fewer than four tokens costs more than it saves
            Matrix.super.matMulRows(from, to, xs, count, outs, outShift);
            return;
        }
        TileScratch s = TileScratch.forThread(TileKernels.scratchSize(), ROW_TILE, cols, xs, count);
        for (int first = from; first < to; first += ROW_TILE) {
            int tileRows = Math.min(to, first + ROW_TILE) - first;
            for (int r = 0; r < tileRows; r++) copyRow(first + r, s.buffer, s.tile + r * s.stride);
            TileKernels.tileTimesBatch(s.buffer, s.tile, s.stride, tileRows, cols, s.x, count, outs, first + outShift, s.acc);
        }
    }

    @Override
    public void copyRow(int row, float[] out) {
        if (out.length < cols) throw new IllegalArgumentException("out has length " + out.length + ", needs " + cols);
        copyRow(row, out, 0);
    }

    private void copyRow(int row, float[] out, int outOff) {
        long base = (long) row * cols * Short.BYTES;
        int vectorEnd = cols - cols % F.length();
        for (int i = 0; i < vectorEnd; i += F.length()) load(base + (long) i * Short.BYTES).intoArray(out, outOff + i);
        for (int i = vectorEnd; i < cols; i++) out[outOff + i] = bf16(data.get(SHORT, base + (long) i * Short.BYTES));
    }

    private FloatVector load(long byteOffset) {
        ShortVector raw = ShortVector.fromMemorySegment(S, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector wide = (IntVector) raw.convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private ShortVector raw(long byteOffset) {
        return ShortVector.fromMemorySegment(W, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
    }

    /** The first F.length() BF16 of {@code raw} as floats: each one moved to the high half of a lane over a zero. */
    private static FloatVector low(ShortVector raw) {
        return LOW_HALF.selectFrom(raw, ZERO).reinterpretAsFloats();
    }

    private static FloatVector high(ShortVector raw) {
        return HIGH_HALF.selectFrom(raw, ZERO).reinterpretAsFloats();
    }

    /** Indexes into (raw, zero) putting raw's short {@code first + j} in float lane j's high half, zero's in its low. */
    private static ShortVector widening(int first) {
        short[] idx = new short[W.length()];
        for (int j = 0; j < F.length(); j++) {
            idx[2 * j] = (short) W.length(); // zero's lane 0
            idx[2 * j + 1] = (short) (first + j);
        }
        return ShortVector.fromArray(W, idx, 0);
    }

    private static float bf16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
