package dev.bastion.engine.format;

import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.tensor.Q8Matrix;

import java.util.Arrays;

/** One tensor of a checkpoint: its name, storage type and shape (outermost dimension first, as in PyTorch). */
public record TensorEntry(String name, StorageType type, long[] shape) {

    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elements() {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    public long storedBytes() {
        return type.bytesFor(elements());
    }

    /**
     * The bytes this tensor holds once loaded in {@code format}, by the loader's own rules: vectors (norms, biases)
     * become F32 arrays, F16 matrices an F32 copy, Q8_0 quantizes matrices whose rows are whole blocks, the rest is
     * used in place.
     */
    public long residentBytes(WeightFormat format) {
        if (shape.length != 2) return Math.multiplyExact(elements(), Float.BYTES);
        if (format == WeightFormat.Q8_0 && type.blockSize() == 1 && Q8Matrix.canQuantize(shape[1])) return Q8Matrix.residentBytes(shape[0], shape[1]);
        return type == StorageType.F16 ? Math.multiplyExact(elements(), Float.BYTES) : storedBytes();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
