package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;

/**
 * A tensor's entry in a GGUF file.
 *
 * @param dims ggml order: {@code dims[0]} is the innermost (contiguous) dimension, the columns of a matrix
 * @param offset from the start of the data section
 */
public record GgufTensor(String name, StorageType type, long[] dims, long offset, long byteLength) {

    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Outermost dimension first, as PyTorch and the engine's {@code TensorEntry} write shapes. */
    public long[] shape() {
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[dims.length - 1 - i];
        return shape;
    }

    public long elements() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }
}
