package dev.bastion.engine.model;

/**
 * A causal language model that turns one token at a position into next-token logits.
 * Implementations are thread-safe for distinct {@link InferenceState}s (one per concurrent generation).
 */
public interface LanguageModel extends AutoCloseable {

    ModelConfig config();

    /** A fresh KV cache and scratch space for up to {@code contextLength} positions. */
    InferenceState newState(int contextLength);

    /**
     * Runs {@code token} at position {@code pos} (positions 0..pos-1 must already be in the state's cache; what the
     * state held from {@code pos} on is forgotten, which is how a reused cache is cut back to a common prefix)
     * and returns the logits over the vocabulary. The array belongs to the state and is overwritten by the next call.
     */
    float[] forward(InferenceState state, int token, int pos);

    /** Runs {@code tokens} at positions {@code startPos...}; returns the logits after the last one. */
    default float[] prefill(InferenceState state, int[] tokens, int startPos) {
        if (tokens.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        float[] logits = null;
        for (int i = 0; i < tokens.length; i++) logits = forward(state, tokens[i], startPos + i);
        return logits;
    }

    /**
     * A sentence embedding of {@code tokens}: the mean of their final-normed hidden states, L2-normalized.
     * Runs from position 0 and overwrites whatever {@code state} held.
     */
    default float[] embed(InferenceState state, int[] tokens) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not compute embeddings");
    }

    /** {@link #embed} before normalization: the mean of the final-normed hidden states (Ollama's raw embedding). */
    default float[] meanHidden(InferenceState state, int[] tokens) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not compute embeddings");
    }

    @Override
    default void close() {}
}
