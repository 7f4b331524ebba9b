package dev.bastion.engine.testing;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.format.TensorEntry;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.gguf.GgufTensorNames;
import dev.bastion.engine.gguf.GgufWriter;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.Dtypes;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.BiFunction;

/**
 * Exports a Hugging Face model directory to GGUF as {@link GgufModelExport} does (llama.cpp's layout), with the
 * vocabulary kind chosen by the test and every matrix encoded as one storage type from its F32 values. For tests and
 * benchmarks in any module (published in the engine's test-jar).
 */
public final class GgufExport {

    /**
     * Converts an F32 matrix (rows × cols, row-major) to a storage type's bytes; F32 and F16 are built in, other types
     * come from a quantizer.
     */
    public interface Encoder extends BiFunction<float[], long[], MemorySegment> {}

    private GgufExport() {}

    public static Path export(Path hfDir, Path gguf, StorageType matrixType, GgufModelExport.Vocabulary vocabulary) throws IOException {
        Encoder encoder = switch (matrixType) {
            case F32 -> (values, shape) -> MemorySegment.ofArray(values);
            case F16 -> (values, shape) -> {
                short[] half = new short[values.length];
                for (int i = 0; i < values.length; i++) half[i] = Dtypes.floatToF16(values[i]);
                return MemorySegment.ofArray(half);
            };
            case BF16 -> (values, shape) -> {
                short[] half = new short[values.length];
                for (int i = 0; i < values.length; i++) half[i] = Dtypes.floatToBf16(values[i]);
                return MemorySegment.ofArray(half);
            };
            default -> throw new IllegalArgumentException("pass an encoder for " + matrixType);
        };
        return export(hfDir, gguf, matrixType, encoder, vocabulary);
    }

    /** Matrices whose rows fill whole blocks of {@code matrixType} are encoded so; others, and vectors, stay F32. */
    public static Path export(Path hfDir, Path gguf, StorageType matrixType, Encoder encoder, GgufModelExport.Vocabulary vocabulary)
            throws IOException {
        try (Checkpoint checkpoint = ModelFormat.open(hfDir); Arena arena = Arena.ofConfined()) {
            ModelConfig c = checkpoint.config();
            String arch = GgufModelExport.architecture(c);
            GgufWriter writer = GgufModelExport.describe(hfDir, checkpoint, vocabulary);
            for (TensorEntry t : checkpoint.tensors().values()) {
                float[] values = checkpoint.readFloats(t.name());
                if (arch.equals("llama") && t.name().endsWith("self_attn.q_proj.weight")) {
                    values = permute(values, c.numHeads(), c.headDim(), c.hiddenSize(), arena);
                } else if (arch.equals("llama") && t.name().endsWith("self_attn.k_proj.weight")) {
                    values = permute(values, c.numKvHeads(), c.headDim(), c.hiddenSize(), arena);
                }
                long[] shape = t.shape();
                boolean encode = shape.length == 2 && shape[1] % matrixType.blockSize() == 0;
                if (encode) {
                    writer.tensor(GgufTensorNames.fromHf(t.name()), matrixType, shape, encoder.apply(values, shape));
                } else {
                    writer.tensor(GgufTensorNames.fromHf(t.name()), shape, values);
                }
            }
            writer.write(gguf);
        }
        return gguf;
    }

    private static float[] permute(float[] rows, int heads, int headDim, int cols, Arena arena) {
        return GgufModelExport.permuteRows(MemorySegment.ofArray(rows), heads, headDim, (long) cols * Float.BYTES, arena)
                .toArray(ValueLayout.JAVA_FLOAT);
    }
}
