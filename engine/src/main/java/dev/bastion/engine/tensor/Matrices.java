package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.safetensors.Dtypes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Picks the kernel for a tensor's storage type. */
public final class Matrices {

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Matrices() {}

    /**
     * A matrix over {@code data} (used in place for F32, BF16 and ggml's quantized blocks). F16 has no cheap in-kernel widening, so it is
     * converted once into an F32 copy allocated from {@code arena}, which must outlive the matrix.
     */
    public static Matrix of(MemorySegment data, StorageType type, int rows, int cols, Arena arena) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case BF16 -> new Bf16Matrix(data, rows, cols);
            case F16 -> new F32Matrix(f16ToF32(data, (long) rows * cols, arena), rows, cols);
            case Q8_0 -> new GgmlQ8_0Matrix(data, rows, cols);
            case Q4_0 -> new GgmlQ4_0Matrix(data, rows, cols);
            case Q4_K -> new GgmlQ4KMatrix(data, rows, cols);
            case Q5_K -> new GgmlQ5KMatrix(data, rows, cols);
            case Q6_K -> new GgmlQ6KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException("no kernel reads " + type + " weights yet (readable: "
                    + StorageType.readableNames() + ")");
        };
    }

    private static MemorySegment f16ToF32(MemorySegment data, long count, Arena arena) {
        if (data.byteSize() != count * Short.BYTES) {
            throw new IllegalArgumentException("F16 data has " + data.byteSize() + " bytes, expected " + count * Short.BYTES);
        }
        MemorySegment out = arena.allocate(count * Float.BYTES, 64);
        for (long i = 0; i < count; i++) out.setAtIndex(FLOAT, i, Dtypes.f16ToFloat(data.getAtIndex(HALF, i)));
        return out;
    }
}
