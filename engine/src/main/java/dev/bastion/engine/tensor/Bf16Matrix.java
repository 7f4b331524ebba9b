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

    @Override
    public float dotRow(int row, float[] x) {
        long base = (long) row * cols * Short.BYTES;
        int lanes = F.length();
        int unrolledEnd = cols - cols % (4 * lanes);
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i < unrolledEnd; i += 4 * lanes) {
            long at = base + (long) i * Short.BYTES;
            acc0 = load(at).fma(FloatVector.fromArray(F, x, i), acc0);
            acc1 = load(at + lanes * Short.BYTES).fma(FloatVector.fromArray(F, x, i + lanes), acc1);
            acc2 = load(at + 2L * lanes * Short.BYTES).fma(FloatVector.fromArray(F, x, i + 2 * lanes), acc2);
            acc3 = load(at + 3L * lanes * Short.BYTES).fma(FloatVector.fromArray(F, x, i + 3 * lanes), acc3);
        }
        for (; i + lanes <= cols; i += lanes) {
            acc0 = load(base + (long) i * Short.BYTES).fma(FloatVector.fromArray(F, x, i), acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += bf16(data.get(SHORT, base + (long) i * Short.BYTES)) * x[i];
        return sum;
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
