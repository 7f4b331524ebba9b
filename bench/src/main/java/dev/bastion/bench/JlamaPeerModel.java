package dev.bastion.bench;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Jlama ({@code com.github.tjake:jlama-core}) behind our {@link LanguageModel} contract, so benchmarks and checks run
 * the peer through exactly the code paths they run ours. Activations are F32 and Jlama's own thread pool gets as many
 * threads as our fork-join split uses. Jlama reads the same Hugging Face directory (config, SafeTensors, tokenizer.json).
 */
public final class JlamaPeerModel implements LanguageModel {

    /** How Jlama holds the weights; activations stay F32 either way, as ours do. */
    public enum Weights {
        /** As stored (F32 or BF16), multiplied with F32 activations like ours. */
        AS_STORED,
        /**
         * Quantized at load to Jlama's Q4 (blocks of 32, one F32 scale each): its smallest format. Jlama's Panama
         * kernels multiply F32 activations only with F32, BF16 or Q4 weights, so Q8 weights are not an option.
         */
        Q4
    }

    /** Our fork-join split runs on all available processors (the pool's workers plus the caller). */
    private static final int THREADS = Runtime.getRuntime().availableProcessors();

    static {
        // Jlama's pool is process-wide and can be sized only before its first use.
        PhysicalCoreExecutor.overrideThreadCount(THREADS);
    }

    private final AbstractModel model;
    private final ModelConfig config;
    private final KvBufferCache kvCaches;

    private JlamaPeerModel(AbstractModel model, ModelConfig config) {
        this.model = model;
        this.config = config;
        this.kvCaches = new KvBufferCache(model);
    }

    public static JlamaPeerModel load(Path modelDir, Weights weights) throws IOException {
        Objects.requireNonNull(weights, "weights");
        ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
        // Naming the stored type as the target "quantization" keeps activations F32: without one, Jlama rounds them
        // to BF16 before every BF16 matmul.
        DType weightType = weights == Weights.Q4 ? DType.Q4 : storedType(modelDir);
        // No working directory: Jlama keeps the KV cache in memory, as we do.
        AbstractModel model = ModelSupport.loadModel(modelDir.toFile(), null, DType.F32, DType.F32, Optional.of(weightType), Optional.empty());
        return new JlamaPeerModel(model, config);
    }

    private static DType storedType(Path modelDir) throws IOException {
        try (WeightLoader loader = SafeTensorSupport.loadWeights(modelDir.toFile())) {
            return loader.getModelDType();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("closing " + modelDir + " after reading its weight type failed", e);
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /** Jlama sizes its KV cache from {@code max_position_embeddings}; longer contexts are refused here. */
    @Override
    public InferenceState newState(int contextLength) {
        int max = model.getConfig().contextLength;
        if (contextLength < 1 || contextLength > max) {
            throw new IllegalArgumentException("context length " + contextLength + " is outside Jlama's 1.." + max);
        }
        return new JlamaState(kvCaches.getKvBuffer(UUID.randomUUID()), model.makeDenseTensor(config.vocabSize()),
                new float[config.vocabSize()], contextLength);
    }

    /** Jlama's decode step: the layers, then final norm and output projection into raw (unsoftmaxed) logits. */
    @Override
    public float[] forward(InferenceState state, int token, int pos) {
        JlamaState s = own(state);
        checkTokens(s, new int[] {token}, pos);
        try (AbstractTensor hidden = model.forward(token, pos, s.kvBuffer, Optional.empty())) {
            return logits(s, hidden);
        }
    }

    /** Jlama's batched prompt processing (matrix-matrix products over up to 256 tokens at a time). */
    @Override
    public float[] prefill(InferenceState state, int[] tokens, int startPos) {
        JlamaState s = own(state);
        if (tokens.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        checkTokens(s, tokens, startPos);
        try (AbstractTensor hidden = model.batchForward(tokens, startPos, s.kvBuffer)) {
            return logits(s, hidden.slice(hidden.shape().first() - 1));
        }
    }

    private float[] logits(JlamaState s, AbstractTensor hidden) {
        // Temperature 0 makes sample() stop after writing raw logits (plus an argmax, a negligible scan).
        model.sample(hidden, 0f, 0f, s.logitsTensor);
        s.logitsTensor.getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(0, s.logits);
        return s.logits;
    }

    private static JlamaState own(InferenceState state) {
        if (state instanceof JlamaState s) return s;
        throw new IllegalArgumentException("not a Jlama state: " + state);
    }

    private void checkTokens(JlamaState s, int[] tokens, int startPos) {
        if (startPos < 0 || startPos + tokens.length > s.contextLength) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + tokens.length - 1)
                    + " are outside 0.." + (s.contextLength - 1));
        }
        for (int token : tokens) {
            if (token < 0 || token >= config.vocabSize()) throw new IllegalArgumentException("token " + token + " is outside the vocabulary");
        }
    }

    @Override
    public void close() {
        kvCaches.close();
        model.close();
        try {
            model.getWeights().close();
        } catch (Exception e) {
            throw new IllegalStateException("closing Jlama's weights failed", e);
        }
    }

    private record JlamaState(KvBufferCache.KvBuffer kvBuffer, AbstractTensor logitsTensor, float[] logits, int contextLength)
            implements InferenceState {}
}
