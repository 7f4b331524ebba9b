package dev.bastion.engine.format;

import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.tensor.GgmlQuantizer;
import dev.bastion.engine.tensor.Matrices;
import dev.bastion.engine.tensor.Matrix;
import dev.bastion.engine.tensor.Parallel;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.engine.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.ObjIntConsumer;

/**
 * A checkpoint with its weight matrices quantized to ggml blocks by a {@link QuantizationMix}: what a quantized GGUF
 * of the model holds, in memory. It loads like any checkpoint (the blocks are read in place by the ggml kernels) and
 * is what the store writes out as a GGUF file.
 */
public final class QuantizedCheckpoint implements Checkpoint {

    private final Checkpoint source;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorEntry> tensors = new LinkedHashMap<>();
    private final Map<String, MemorySegment> quantized = new LinkedHashMap<>();

    private QuantizedCheckpoint(Checkpoint source) {
        this.source = source;
    }

    /**
     * Quantizes {@code source}'s matrices; {@code progress} hears each tensor's name and how many are done (for a
     * "quantizing model" status). Takes {@code source} over: closing the result closes it, and so does a failure.
     */
    public static QuantizedCheckpoint quantize(Checkpoint source, QuantizationMix mix, ObjIntConsumer<String> progress) {
        QuantizedCheckpoint q = new QuantizedCheckpoint(source);
        try {
            ModelConfig config = source.config();
            boolean tied = config.tieWordEmbeddings() && !source.tensors().containsKey("lm_head.weight");
            int done = 0;
            for (TensorEntry t : source.tensors().values()) {
                StorageType type = mix.typeFor(t.name(), t.shape(), t.type(), config.numLayers(), tied);
                if (type == t.type() || !GgmlQuantizer.supports(type)) {
                    q.tensors.put(t.name(), t);
                } else {
                    q.tensors.put(t.name(), new TensorEntry(t.name(), type, t.shape()));
                    q.quantized.put(t.name(), q.quantizeMatrix(t, type));
                }
                progress.accept(t.name(), ++done);
            }
            return q;
        } catch (RuntimeException | Error e) {
            q.close();
            throw e;
        }
    }

    private MemorySegment quantizeMatrix(TensorEntry t, StorageType type) {
        int rows = Math.toIntExact(t.shape()[0]), cols = Math.toIntExact(t.shape()[1]);
        long rowBytes = type.bytesFor(cols);
        MemorySegment out = arena.allocate(rowBytes * rows, 64);
        try (Arena conversions = Arena.ofShared()) {
            Matrix m = Matrices.of(source.data(t.name()), t.type(), rows, cols, conversions);
            Parallel.forRange(rows, cols * 64L, (from, to) -> {
                float[] row = new float[cols];
                byte[] blocks = new byte[(int) rowBytes];
                for (int r = from; r < to; r++) {
                    m.copyRow(r, row);
                    GgmlQuantizer.quantizeRow(type, row, 0, cols, blocks, 0);
                    MemorySegment.copy(MemorySegment.ofArray(blocks), 0, out, r * rowBytes, rowBytes);
                }
            });
        }
        return out;
    }

    @Override
    public Path path() {
        return source.path();
    }

    @Override
    public ModelFormat format() {
        return source.format();
    }

    @Override
    public ModelConfig config() {
        return source.config();
    }

    @Override
    public Tokenizer tokenizer() throws IOException {
        return source.tokenizer();
    }

    @Override
    public TokenizerConfig tokenizerConfig() throws IOException {
        return source.tokenizerConfig();
    }

    @Override
    public Set<Integer> generationEosTokenIds() throws IOException {
        return source.generationEosTokenIds();
    }

    @Override
    public Map<String, TensorEntry> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public MemorySegment data(String name) {
        MemorySegment q = quantized.get(name);
        return q != null ? q : source.data(name);
    }

    @Override
    public float[] readFloats(String name) {
        return source.readFloats(name);
    }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            arena.close();
        }
    }
}
