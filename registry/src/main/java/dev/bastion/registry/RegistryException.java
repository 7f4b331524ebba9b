package dev.bastion.registry;

/** A transfer refused or failed; the message names what and why, never a file's content or a host path. */
public class RegistryException extends java.io.IOException {
    private final int status;

    public RegistryException(String message) {
        this(400, message);
    }

    /** @param status the HTTP status this refusal maps to when the server answers for it */
    public RegistryException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
