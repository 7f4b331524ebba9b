package dev.bastion.engine.model;

/** Per-generation mutable state of a {@link LanguageModel}: KV cache and activations. Not thread-safe. */
public interface InferenceState {
    /** Maximum number of positions this state can hold. */
    int contextLength();
}
