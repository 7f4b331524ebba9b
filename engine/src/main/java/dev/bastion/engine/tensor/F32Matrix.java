package dev.bastion.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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

    @Override
    public float dotRow(int row, float[] x) {
        long base = (long) row * cols * Float.BYTES;
        int lanes = F.length();
        int unrolledEnd = cols - cols % (4 * lanes);
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i < unrolledEnd; i += 4 * lanes) {
            long at = base + (long) i * Float.BYTES;
            acc0 = load(at).fma(FloatVector.fromArray(F, x, i), acc0);
            acc1 = load(at + lanes * Float.BYTES).fma(FloatVector.fromArray(F, x, i + lanes), acc1);
            acc2 = load(at + 2L * lanes * Float.BYTES).fma(FloatVector.fromArray(F, x, i + 2 * lanes), acc2);
            acc3 = load(at + 3L * lanes * Float.BYTES).fma(FloatVector.fromArray(F, x, i + 3 * lanes), acc3);
        }
        for (; i + lanes <= cols; i += lanes) {
            acc0 = load(base + (long) i * Float.BYTES).fma(FloatVector.fromArray(F, x, i), acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += data.get(FLOAT, base + (long) i * Float.BYTES) * x[i];
        return sum;
    }

    @Override
    public void copyRow(int row, float[] out) {
        MemorySegment.copy(data, FLOAT, (long) row * cols * Float.BYTES, out, 0, cols);
    }

    private FloatVector load(long byteOffset) {
        return FloatVector.fromMemorySegment(F, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
    }
}
