package dev.bastion.store;

import java.io.IOException;

/** A model directory, Modelfile source or stored blob that fails validation; the message names the file at fault. */
public final class InvalidModelException extends IOException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
