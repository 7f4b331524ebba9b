package dev.bastion.store;

import java.io.IOException;

/**
 * An encrypted model that does not decrypt: the secret is not the one its keys are wrapped under, or a blob or key
 * file was tampered with. The message says which blob and why (for the operator's log); {@link #model()} is what a
 * client may be told.
 */
public final class UndecryptableModelException extends IOException {

    private final ModelName model;

    public UndecryptableModelException(ModelName model, String message, Throwable cause) {
        super(message, cause);
        this.model = model;
    }

    public ModelName model() {
        return model;
    }
}
