package dev.bastion.security;

/** A principal tried something its role or scopes do not allow. */
public class AccessDeniedException extends RuntimeException {
    public AccessDeniedException(String message) {
        super(message);
    }
}
