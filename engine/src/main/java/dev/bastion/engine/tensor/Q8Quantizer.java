package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Quantizes weights to Q8_0 at load ({@code WeightFormat.Q8_0}) into ggml's block layout, so load-time quantization
 * and Q8_0 GGUF files run on one kernel, {@link GgmlQ8_0Matrix}. Half the bytes of BF16, so decode, which is bound
 * by memory bandwidth, gets faster, at the cost of a small error (at most half a step of each block's scale).
 */
public final class Q8Quantizer {

    public static final int BLOCK = GgmlQ8_0Matrix.BLOCK;

    private Q8Quantizer() {}

    /** Whether {@code source} can be quantized: its rows must split into whole blocks. */
    public static boolean canQuantize(Matrix source) {
        return canQuantize(source.cols());
    }

    public static boolean canQuantize(long cols) {
        return cols % BLOCK == 0;
    }

    /** The memory a quantized {@code rows x cols} matrix takes: 34 bytes per block of 32 weights. */
    public static long residentBytes(long rows, long cols) {
        return StorageType.Q8_0.bytesFor(Math.multiplyExact(rows, cols));
    }

    /** Quantizes {@code source} with ggml's reference quantizer into memory from {@code arena}, which must outlive the result. */
    public static GgmlQ8_0Matrix quantize(Matrix source, Arena arena) {
        int rows = source.rows(), cols = source.cols();
        if (!canQuantize(cols)) {
            throw new IllegalArgumentException("cannot quantize a matrix with " + cols + " columns to Q8_0 (needs a multiple of " + BLOCK + ")");
        }
        long rowBytes = StorageType.Q8_0.bytesFor(cols);
        MemorySegment blocks = arena.allocate(rowBytes * rows, 64);
        Parallel.forRange(rows, cols, (from, to) -> {
            float[] row = new float[cols];
            byte[] quantized = new byte[(int) rowBytes];
            for (int r = from; r < to; r++) {
                source.copyRow(r, row);
                GgmlQuantizer.quantizeRow(StorageType.Q8_0, row, 0, cols, quantized, 0);
                MemorySegment.copy(quantized, 0, blocks, java.lang.foreign.ValueLayout.JAVA_BYTE, r * rowBytes, quantized.length);
            }
        });
        return new GgmlQ8_0Matrix(blocks, rows, cols);
    }
}
