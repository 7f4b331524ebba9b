package dev.bastion.engine.format;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a tensor's elements are stored, whatever the file format: elements come in blocks of {@link #blockSize()}
 * taking {@link #bytesPerBlock()} bytes (one element per block for plain floats; 32 weights and a shared scale for
 * ggml's Q8_0). Named as ggml names them, so a GGUF loader maps its type ids here.
 */
public enum StorageType {
    F32(1, 4, true),
    F16(1, 2, true),
    BF16(1, 2, true),
    /** ggml's blocks, read in place by the {@code tensor.Ggml*Matrix} kernels: an F16 scale and 32 signed bytes. */
    Q8_0(32, 34, true),
    Q4_0(32, 18, true),
    // ggml's K-quants: super-blocks of 256 weights.
    Q4_K(256, 144, true),
    Q5_K(256, 176, true),
    Q6_K(256, 210, true);

    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean readable;

    StorageType(int blockSize, int bytesPerBlock, boolean readable) {
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.readable = readable;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether the engine's kernels can hold a tensor stored this way ({@code Matrices.of}). */
    public boolean readable() {
        return readable;
    }

    /** The bytes of {@code elements} elements, which must fill whole blocks. */
    public long bytesFor(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements do not fill whole " + name() + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, bytesPerBlock);
    }

    /** The type of a Hugging Face {@code torch_dtype} ({@code bfloat16}, {@code float16}, {@code float32}), if one of these. */
    public static Optional<StorageType> fromTorchDtype(String torchDtype) {
        if (torchDtype == null) return Optional.empty();
        return switch (torchDtype.toLowerCase(Locale.ROOT)) {
            case "float32" -> Optional.of(F32);
            case "float16" -> Optional.of(F16);
            case "bfloat16" -> Optional.of(BF16);
            default -> Optional.empty();
        };
    }

    /** The types the kernels read, for error messages. */
    public static String readableNames() {
        return String.join(", ", Arrays.stream(values()).filter(StorageType::readable).map(Enum::name).toList());
    }
}
