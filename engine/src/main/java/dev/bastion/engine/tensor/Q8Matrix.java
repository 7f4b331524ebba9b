package dev.bastion.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 quantization (as in ggml): blocks of 32 weights share one scale, {@code w ≈ scale * q} with
 * {@code q in [-127, 127]}. Half the bytes of BF16, so decode, which is bound by memory bandwidth, gets faster, at the
 * cost of a small error (at most scale/2 per weight).
 */
public final class Q8Matrix implements Matrix {

    public static final int BLOCK = 32;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    /** One byte per float lane, so a byte vector widens to exactly one float vector; null if no such shape exists. */
    private static final VectorSpecies<Byte> B = F.vectorBitSize() / 4 >= 64
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;

    private final MemorySegment quants;
    private final MemorySegment scales;
    private final int rows;
    private final int cols;

    private Q8Matrix(MemorySegment quants, MemorySegment scales, int rows, int cols) {
        this.quants = quants;
        this.scales = scales;
        this.rows = rows;
        this.cols = cols;
    }

    /** Whether {@code source} can be quantized: its rows must split into whole blocks, and the CPU needs vectors of 8+ floats. */
    public static boolean canQuantize(Matrix source) {
        return canQuantize(source.cols());
    }

    /** Whether rows of {@code cols} weights can be quantized on this CPU. */
    public static boolean canQuantize(long cols) {
        return cols % BLOCK == 0 && B != null && BLOCK % F.length() == 0;
    }

    /** The memory a quantized {@code rows x cols} matrix takes: a byte per weight and an F32 scale per block. */
    public static long residentBytes(long rows, long cols) {
        return Math.addExact(Math.multiplyExact(rows, cols), Math.multiplyExact(rows, cols / BLOCK * Float.BYTES));
    }

    /** Quantizes {@code source} into memory from {@code arena}, which must outlive the result. */
    public static Q8Matrix quantize(Matrix source, Arena arena) {
        if (!canQuantize(source)) {
            throw new IllegalArgumentException("cannot quantize a matrix with " + source.cols() + " columns to Q8_0 (needs a multiple of "
                    + BLOCK + " and a vector unit of at least 8 floats)");
        }
        int rows = source.rows(), cols = source.cols();
        MemorySegment quants = arena.allocate((long) rows * cols, 64);
        MemorySegment scales = arena.allocate((long) rows * (cols / BLOCK) * Float.BYTES, 64);
        Parallel.forRange(rows, cols, (from, to) -> {
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                source.copyRow(r, row);
                for (int b = 0; b < cols / BLOCK; b++) {
                    float amax = 0;
                    for (int i = b * BLOCK; i < (b + 1) * BLOCK; i++) amax = Math.max(amax, Math.abs(row[i]));
                    float scale = amax / 127f;
                    float inverse = scale == 0 ? 0 : 1 / scale;
                    long block = (long) r * (cols / BLOCK) + b;
                    scales.setAtIndex(FLOAT, block, scale);
                    for (int i = b * BLOCK; i < (b + 1) * BLOCK; i++) {
                        quants.set(ValueLayout.JAVA_BYTE, (long) r * cols + i, (byte) Math.round(row[i] * inverse));
                    }
                }
            }
        });
        return new Q8Matrix(quants, scales, rows, cols);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /**
     * Each chunk of lanes is dequantized ({@code q * scale}, exactly as {@link #copyRow}) and summed in the same order
     * per token as {@link #dotRow4} (two accumulators, even and odd chunks), so decode and prefill are bit-identical
     * and a reused KV cache equals a fresh prefill.
     */
    @Override
    public float dotRow(int row, float[] x) {
        int lanes = F.length();
        long qBase = (long) row * cols;
        long sBase = (long) row * (cols / BLOCK);
        int unrolledEnd = cols - cols % (2 * lanes);
        FloatVector a = FloatVector.zero(F), b = a;
        int i = 0;
        for (; i < unrolledEnd; i += 2 * lanes) {
            a = chunk(qBase, sBase, i).fma(FloatVector.fromArray(F, x, i), a);
            b = chunk(qBase, sBase, i + lanes).fma(FloatVector.fromArray(F, x, i + lanes), b);
        }
        for (; i < cols; i += lanes) a = chunk(qBase, sBase, i).fma(FloatVector.fromArray(F, x, i), a);
        return VectorMath.sumLanes(a.add(b));
    }

    /**
     * Four tokens per weight load (prefill): each chunk of quantized weights is read, widened and scaled once and used
     * for all four. No scalar tail: the columns are whole blocks, and a block is whole chunks.
     */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        int lanes = F.length();
        long qBase = (long) row * cols;
        long sBase = (long) row * (cols / BLOCK);
        int unrolledEnd = cols - cols % (2 * lanes);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int i = 0;
        for (; i < unrolledEnd; i += 2 * lanes) {
            FloatVector w = chunk(qBase, sBase, i);
            int j = i + lanes;
            FloatVector v = chunk(qBase, sBase, j);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            b0 = v.fma(FloatVector.fromArray(F, x0, j), b0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            b1 = v.fma(FloatVector.fromArray(F, x1, j), b1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            b2 = v.fma(FloatVector.fromArray(F, x2, j), b2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
            b3 = v.fma(FloatVector.fromArray(F, x3, j), b3);
        }
        for (; i < cols; i += lanes) {
            FloatVector w = chunk(qBase, sBase, i);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
        }
        outs[t0][outRow] = VectorMath.sumLanes(a0.add(b0));
        outs[t0 + 1][outRow] = VectorMath.sumLanes(a1.add(b1));
        outs[t0 + 2][outRow] = VectorMath.sumLanes(a2.add(b2));
        outs[t0 + 3][outRow] = VectorMath.sumLanes(a3.add(b3));
    }

    /** The dequantized weights {@code i .. i + lanes} of the row (a chunk never straddles a block). */
    private FloatVector chunk(long qBase, long sBase, int i) {
        FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, quants, qBase + i, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
        return q.mul(scales.getAtIndex(FLOAT, sBase + i / BLOCK));
    }

    @Override
    public void copyRow(int row, float[] out) {
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            float scale = scales.getAtIndex(FLOAT, (long) row * blocks + b);
            for (int i = b * BLOCK; i < (b + 1) * BLOCK; i++) out[i] = scale * quants.get(ValueLayout.JAVA_BYTE, (long) row * cols + i);
        }
    }
}
