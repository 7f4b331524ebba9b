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
     * The same summation order per token as {@link #dotRow4} (two accumulators, even and odd chunks of lanes), so
     * decode and prefill compute bit-identical results and a reused KV cache equals a fresh prefill.
     */
    @Override
    public float dotRow(int row, float[] x) {
        long base = (long) row * cols * Short.BYTES;
        int lanes = F.length();
        int unrolledEnd = cols - cols % (2 * lanes);
        FloatVector a = FloatVector.zero(F), b = a;
        int i = 0;
        for (; i < unrolledEnd; i += 2 * lanes) {
            long at = base + (long) i * Short.BYTES;
            a = load(at).fma(FloatVector.fromArray(F, x, i), a);
            b = load(at + lanes * Short.BYTES).fma(FloatVector.fromArray(F, x, i + lanes), b);
        }
        for (; i + lanes <= cols; i += lanes) a = load(base + (long) i * Short.BYTES).fma(FloatVector.fromArray(F, x, i), a);
        float sum = VectorMath.sumLanes(a.add(b));
        for (; i < cols; i++) sum += bf16(data.get(SHORT, base + (long) i * Short.BYTES)) * x[i];
        return sum;
    }

    /** Four tokens per weight load: each weight vector is read and widened once and used for all four (prefill). */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        long base = (long) row * cols * Short.BYTES;
        int lanes = F.length();
        int unrolledEnd = cols - cols % (2 * lanes);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int i = 0;
        for (; i < unrolledEnd; i += 2 * lanes) {
            long at = base + (long) i * Short.BYTES;
            FloatVector w = load(at);
            FloatVector v = load(at + lanes * Short.BYTES);
            int j = i + lanes;
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            b0 = v.fma(FloatVector.fromArray(F, x0, j), b0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            b1 = v.fma(FloatVector.fromArray(F, x1, j), b1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            b2 = v.fma(FloatVector.fromArray(F, x2, j), b2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
            b3 = v.fma(FloatVector.fromArray(F, x3, j), b3);
        }
        for (; i + lanes <= cols; i += lanes) {
            FloatVector w = load(base + (long) i * Short.BYTES);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
        }
        float s0 = VectorMath.sumLanes(a0.add(b0)), s1 = VectorMath.sumLanes(a1.add(b1));
        float s2 = VectorMath.sumLanes(a2.add(b2)), s3 = VectorMath.sumLanes(a3.add(b3));
        for (; i < cols; i++) {
            float w = bf16(data.get(SHORT, base + (long) i * Short.BYTES));
            s0 += w * x0[i];
            s1 += w * x1[i];
            s2 += w * x2[i];
            s3 += w * x3[i];
        }
        outs[t0][outRow] = s0;
        outs[t0 + 1][outRow] = s1;
        outs[t0 + 2][outRow] = s2;
        outs[t0 + 3][outRow] = s3;
    }

    @Override
    public void copyRow(int row, float[] out) {
        long base = (long) row * cols * Short.BYTES;
        for (int i = 0; i < cols; i++) out[i] = bf16(data.get(SHORT, base + (long) i * Short.BYTES));
    }

    private FloatVector load(long byteOffset) {
        ShortVector raw = ShortVector.fromMemorySegment(S, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector wide = (IntVector) raw.convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float bf16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
