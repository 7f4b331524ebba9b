package dev.bastion.engine.model;

import dev.bastion.engine.tensor.Matrix;
import dev.bastion.engine.tensor.StackedMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Checks every tensor a Llama-shaped checkpoint must have (names and shapes from config.json) and builds the weights. */
final class LlamaWeightsLoader {

    /** Where named tensors come from (a SafeTensors weight set, or memory in tests). */
    interface Source {
        /** A short description for error messages, e.g. the model directory. */
        String describe();

        /** The tensor's shape, or null if there is no such tensor. */
        long[] shape(String name);

        Matrix matrix(String name, int rows, int cols);

        float[] vector(String name);
    }

    private LlamaWeightsLoader() {}

    static LlamaWeights load(ModelConfig c, Source source) {
        int hidden = c.hiddenSize();
        int qDim = c.numHeads() * c.headDim();
        Matrix embed = matrix(source, "model.embed_tokens.weight", c.vocabSize(), hidden);
        List<LlamaWeights.Layer> layers = new ArrayList<>(c.numLayers());
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            float[] inputNorm = vector(source, p + "input_layernorm.weight", hidden);
            Matrix qkv = new StackedMatrix(List.of(
                    matrix(source, p + "self_attn.q_proj.weight", qDim, hidden),
                    matrix(source, p + "self_attn.k_proj.weight", c.kvDim(), hidden),
                    matrix(source, p + "self_attn.v_proj.weight", c.kvDim(), hidden)));
            float[] qkvBias = !c.qkvBias() ? null : concat(
                    vector(source, p + "self_attn.q_proj.bias", qDim),
                    vector(source, p + "self_attn.k_proj.bias", c.kvDim()),
                    vector(source, p + "self_attn.v_proj.bias", c.kvDim()));
            Matrix o = matrix(source, p + "self_attn.o_proj.weight", hidden, qDim);
            float[] postNorm = vector(source, p + "post_attention_layernorm.weight", hidden);
            Matrix gateUp = new StackedMatrix(List.of(
                    matrix(source, p + "mlp.gate_proj.weight", c.intermediateSize(), hidden),
                    matrix(source, p + "mlp.up_proj.weight", c.intermediateSize(), hidden)));
            Matrix down = matrix(source, p + "mlp.down_proj.weight", hidden, c.intermediateSize());
            layers.add(new LlamaWeights.Layer(inputNorm, qkv, qkvBias, o, postNorm, gateUp, down));
        }
        float[] finalNorm = vector(source, "model.norm.weight", hidden);
        // Tied checkpoints (tie_word_embeddings, or simply no lm_head) reuse the embedding matrix as the output layer.
        Matrix lmHead = source.shape("lm_head.weight") == null ? embed : matrix(source, "lm_head.weight", c.vocabSize(), hidden);
        return new LlamaWeights(embed, layers, finalNorm, lmHead);
    }

    private static float[] concat(float[]... parts) {
        float[] out = new float[Arrays.stream(parts).mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static Matrix matrix(Source source, String name, int rows, int cols) {
        require(source, name, new long[] {rows, cols});
        return source.matrix(name, rows, cols);
    }

    private static float[] vector(Source source, String name, int length) {
        require(source, name, new long[] {length});
        return source.vector(name);
    }

    private static void require(Source source, String name, long[] expected) {
        long[] actual = source.shape(name);
        if (actual == null) {
            throw new IllegalArgumentException(source.describe() + ": missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(expected) + ")");
        }
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalArgumentException(source.describe() + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + ", but config.json implies " + Arrays.toString(expected));
        }
    }
}
