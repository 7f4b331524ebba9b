package dev.bastion.engine.model;

import dev.bastion.engine.tensor.Matrix;

import java.util.List;

/** The tensors of a Llama-shaped decoder, ready for the kernels. Biases are null when the model has none. */
record LlamaWeights(Matrix embedTokens, List<Layer> layers, float[] finalNorm, Matrix lmHead) {

    record Layer(float[] inputNorm, Matrix q, Matrix k, Matrix v, float[] qBias, float[] kBias, float[] vBias, Matrix o,
                 float[] postAttentionNorm, Matrix gate, Matrix up, Matrix down) {}

    LlamaWeights {
        layers = List.copyOf(layers);
    }
}
