package dev.bastion.engine.model;

import dev.bastion.engine.format.Checkpoint;

import java.io.IOException;

/** Llama-shaped decoders (Llama, Qwen2, Mistral): pre-norm attention and SwiGLU MLP blocks, run by {@link LlamaModel}. */
final class LlamaFamily implements DecoderFamily {

    static final LlamaFamily INSTANCE = new LlamaFamily();

    private LlamaFamily() {}

    @Override
    public LanguageModel build(Checkpoint checkpoint, WeightFormat format) throws IOException {
        return LlamaModel.load(checkpoint, format);
    }

    /** Embeddings, per layer q/k/v/o (and q/k/v biases), gate/up/down and two norms, the final norm, an untied head. */
    @Override
    public long parameterCount(ModelConfig c) {
        long hidden = c.hiddenSize();
        long qDim = (long) c.numHeads() * c.headDim();
        long attention = hidden * qDim * 2 + hidden * c.kvDim() * 2 + (c.qkvBias() ? qDim + 2L * c.kvDim() : 0);
        long mlp = 3L * hidden * c.intermediateSize();
        long perLayer = attention + mlp + 2 * hidden;
        long embeddings = (long) c.vocabSize() * hidden;
        return embeddings + c.numLayers() * perLayer + hidden + (c.tieWordEmbeddings() ? 0 : embeddings);
    }
}
