package dev.bastion.engine.model;

import dev.bastion.engine.tensor.Matrix;

import java.util.List;

/** The tensors of a Llama-shaped decoder, ready for the kernels. Biases are null when the model has none. */
record LlamaWeights(Matrix embedTokens, List<Layer> layers, float[] finalNorm, Matrix lmHead) {

    /**
     * @param qkv q, k and v projections stacked: rows {@code [0, qDim)} give queries, then keys, then values
     * @param qkvBias the three biases concatenated likewise, or null
     * @param gateUp gate then up projection stacked
     */
    record Layer(float[] inputNorm, Matrix qkv, float[] qkvBias, Matrix o, float[] postAttentionNorm, Matrix gateUp, Matrix down) {}

    LlamaWeights {
        layers = List.copyOf(layers);
    }
}
