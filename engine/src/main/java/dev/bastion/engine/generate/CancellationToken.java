package dev.bastion.engine.generate;

/** Set from any thread to stop a running generation before its next token. */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
