package dev.bastion.credits;

/** The ledger's database failed; nothing of the attempted transaction was written. */
public final class LedgerException extends IllegalStateException {

    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
