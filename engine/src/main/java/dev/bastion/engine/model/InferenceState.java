package dev.bastion.engine.model;

/** Per-generation mutable state of a {@link LanguageModel}: KV cache and activations. Not thread-safe. */
public interface InferenceState {
    /** Maximum number of positions this state can hold. */
    int contextLength();

    /** Heap bytes this state holds now (KV cache and scratch), for bounding the states kept for reuse; 0 if unknown. */
    default long sizeBytes() {
        return 0;
    }
}
