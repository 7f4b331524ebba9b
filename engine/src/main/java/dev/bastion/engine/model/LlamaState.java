package dev.bastion.engine.model;

import java.util.Arrays;

/**
 * KV cache and scratch buffers of one generation on a {@link LlamaModel}. The cache grows by doubling up to
 * {@link #contextLength()}, so a large context costs memory only once it is used. Not thread-safe.
 */
public final class LlamaState implements InferenceState {

    /**
     * Tokens per batched step of prefill: each weight is read from memory once per batch, so larger batches cut the
     * weight traffic of long prompts (64 tokens: a quarter of 16's); matMul's row tiles keep the weights in cache while
     * the batch passes over them. The scratch grows with it (about 6 MB for Llama-3.2-1B's shape).
     */
    static final int BATCH = 64;
    private static final int INITIAL_CAPACITY = 256;

    final LlamaModel model;
    private final int contextLength;
    /** Positions 0..filled-1 hold valid keys and values. */
    int filled;
    int capacity;
    /**
     * Keys after RoPE, transposed so that attention scores many positions per vector operation:
     * [layer][(kvHead * headDim + i) * capacity + position].
     */
    float[][] keys;
    /** [layer][position * kvDim + kvHead * headDim + i]. */
    float[][] values;
    /** Attention weights per head, [head][position]. */
    float[][] scores;

    // Activations, one row per token of the batch ([BATCH][...]); decode uses row 0.
    final float[][] residual;
    final float[][] normed;
    /** Queries, keys and values of each token side by side, as the stacked projection writes them. */
    final float[][] qkv;
    final float[][] attention;
    final float[][] projected;
    /** Gate then up projection; the SwiGLU activation overwrites the gate half in place. */
    final float[][] gateUp;
    /** RoPE angles per token of the batch, [BATCH][headDim / 2]. */
    final float[][] cos;
    final float[][] sin;
    final float[] logits;
    final int[] oneToken = new int[1];

    LlamaState(LlamaModel model, int contextLength) {
        ModelConfig c = model.config();
        this.model = model;
        this.contextLength = contextLength;
        this.capacity = Math.min(contextLength, INITIAL_CAPACITY);
        this.keys = new float[c.numLayers()][capacity * c.kvDim()];
        this.values = new float[c.numLayers()][capacity * c.kvDim()];
        this.scores = new float[c.numHeads()][capacity];
        int qDim = c.numHeads() * c.headDim();
        residual = new float[BATCH][c.hiddenSize()];
        normed = new float[BATCH][c.hiddenSize()];
        qkv = new float[BATCH][qDim + 2 * c.kvDim()];
        attention = new float[BATCH][qDim];
        projected = new float[BATCH][c.hiddenSize()];
        gateUp = new float[BATCH][2 * c.intermediateSize()];
        cos = new float[BATCH][c.headDim() / 2];
        sin = new float[BATCH][c.headDim() / 2];
        logits = new float[c.vocabSize()];
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    /** Number of positions currently held in the KV cache. */
    public int length() {
        return filled;
    }

    @Override
    public long sizeBytes() {
        long floats = 2L * keys.length * keys[0].length + (long) scores.length * capacity + logits.length
                + (long) BATCH * (2L * residual[0].length + qkv[0].length + attention[0].length + projected[0].length
                + gateUp[0].length + 2L * cos[0].length);
        return floats * Float.BYTES;
    }

    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int newCapacity = Math.min(contextLength, Math.max(positions, capacity * 2));
        int kvDim = model.config().kvDim();
        for (int l = 0; l < keys.length; l++) {
            float[] grown = new float[newCapacity * kvDim];
            for (int row = 0; row < kvDim; row++) System.arraycopy(keys[l], row * capacity, grown, row * newCapacity, capacity);
            keys[l] = grown;
            values[l] = Arrays.copyOf(values[l], newCapacity * kvDim);
        }
        for (int h = 0; h < scores.length; h++) scores[h] = new float[newCapacity];
        capacity = newCapacity;
    }
}
