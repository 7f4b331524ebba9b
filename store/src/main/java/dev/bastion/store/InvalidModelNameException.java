package dev.bastion.store;

/** A model name that does not follow the {@code [namespace/]name[:tag]} grammar. */
public final class InvalidModelNameException extends IllegalArgumentException {
    public InvalidModelNameException(String message) {
        super(message);
    }
}
