package dev.bastion.api.types;

/** A request naming a model as {@code model} or, in older Ollama clients, {@code name}. */
public interface ModelNamed {

    String model();

    String name();

    /** {@code model}, else {@code name}; null when neither is given. */
    default String modelOrName() {
        return model() != null ? model() : name();
    }
}
