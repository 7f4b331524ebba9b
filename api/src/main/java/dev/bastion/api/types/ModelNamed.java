package dev.bastion.api.types;

import dev.bastion.api.ApiException;

/** A request naming a model as {@code model} or, in older Ollama clients, {@code name}. */
public interface ModelNamed {

    String model();

    String name();

    /** {@code model}, else {@code name}; null when neither is given. */
    default String modelOrName() {
        return model() != null ? model() : name();
    }

    /** {@link #modelOrName()}, which must be given: else a 400 {@code 'model' is required}. */
    default String requiredModel() {
        String model = modelOrName();
        if (model == null || model.isBlank()) throw ApiException.required("model");
        return model;
    }
}
