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

    /**
     * The same memory, scope and read-only flag as a segment of one implementation class whatever its source. Mapped
     * files and off-heap allocations (weights quantized at load) are different classes, and C2 profiles the segment's
     * class in the shared load paths (ByteVector.fromMemorySegment, the F16 scale reads): once a JVM has run both, a
     * block-type kernel compiled afterwards type-checks every load and decodes up to 1.7x slower (docs/performance.md,
     * h5-jit). Only the ggml block types take it ({@link GgmlBlocks#requireBlocks}): BF16 on plain native segments read
     * slower in three of four same-minute runs (perhaps noise, unresolved), so BF16 and F32 keep the segment given.
     * {@code reinterpret} always returns the plain native class; it is a restricted method, which the launchers allow
     * with --enable-native-access.
     */
    static MemorySegment oneClass(MemorySegment data) {
        return data.reinterpret(data.byteSize());
    }
}
