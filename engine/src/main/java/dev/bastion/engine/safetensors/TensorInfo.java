package dev.bastion.engine.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a SafeTensors file.
 *
 * @param dataOffset start of the tensor's bytes, relative to the start of the data section (after the header)
 * @param byteLength number of bytes, always {@code elementCount() * dtype.byteSize()}
 */
public record TensorInfo(String name, DType dtype, long[] shape, long dataOffset, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension in shape " + Arrays.toString(shape));
        }
        if (dataOffset < 0 || byteLength < 0) {
            throw new IllegalArgumentException("tensor " + name + ": negative offset " + dataOffset + " or length " + byteLength);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @throws ArithmeticException if the product of the dimensions overflows a long */
    public long elementCount() {
        return elementCount(shape);
    }

    static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) count = Math.multiplyExact(count, dim);
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name) && dtype == that.dtype && Arrays.equals(shape, that.shape)
                && dataOffset == that.dataOffset && byteLength == that.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), dataOffset, byteLength);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + ", " + dtype + ", shape=" + Arrays.toString(shape)
                + ", dataOffset=" + dataOffset + ", byteLength=" + byteLength + "]";
    }
}
