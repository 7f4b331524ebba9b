package dev.bastion.engine.tensor;

import java.lang.foreign.MemorySegment;

final class MatrixChecks {
    private MatrixChecks() {}

    static MemorySegment requireSize(MemorySegment data, int rows, int cols, int elementBytes, String dtype) {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException(dtype + " matrix must have positive shape, got [" + rows + ", " + cols + "]");
        long expected = (long) rows * cols * elementBytes;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(dtype + " matrix [" + rows + ", " + cols + "] needs " + expected + " bytes, got " + data.byteSize());
        }
        // The Vector API only reads heap segments backed by byte[]; weights are always mapped or off-heap.
        if (!data.isNative()) throw new IllegalArgumentException(dtype + " matrix data must be a native (mapped or off-heap) segment");
        return data;
    }
}
