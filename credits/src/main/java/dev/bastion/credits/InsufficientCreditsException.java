package dev.bastion.credits;

/** Refused before any work: the account cannot cover the amount. The message is safe to show its owner. */
public final class InsufficientCreditsException extends Exception {

    private final long available;
    private final long required;

    public InsufficientCreditsException(long available, long required) {
        super("insufficient credits: this request may cost up to " + required + " credits and " + available
                + " are available");
        this.available = available;
        this.required = required;
    }

    public long available() {
        return available;
    }

    public long required() {
        return required;
    }
}
