package dev.bastion.registry.signing;

/** A signature that cannot be read or does not verify; the message says why and is safe to show a client. */
public final class SignatureException extends Exception {
    public SignatureException(String message) {
        super(message);
    }
}
