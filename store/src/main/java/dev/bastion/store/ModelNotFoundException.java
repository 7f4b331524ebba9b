package dev.bastion.store;

import java.io.IOException;

/** The store holds no model of that name. */
public final class ModelNotFoundException extends IOException {
    private final ModelName modelName;

    public ModelNotFoundException(ModelName modelName) {
        super("model '" + modelName + "' not found");
        this.modelName = modelName;
    }

    public ModelName modelName() {
        return modelName;
    }
}
