package dev.bastion.engine.grammar;

/** A JSON schema (or format) that cannot be turned into a grammar; the message says why, quoting nothing secret. */
public final class InvalidSchemaException extends IllegalArgumentException {

    public InvalidSchemaException(String message) {
        super(message);
    }
}
