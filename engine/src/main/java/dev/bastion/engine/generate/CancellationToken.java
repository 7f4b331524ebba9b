package dev.bastion.engine.generate;

import java.util.function.BooleanSupplier;

/** Set from any thread to stop a running generation (or prompt rendering) before its next step. */
public final class CancellationToken {

    /** How often a probe is asked at most: the generation checks the token far more often than that. */
    private static final long PROBE_INTERVAL_NANOS = 100_000_000L;

    private final BooleanSupplier probe;
    private volatile boolean cancelled;
    private long lastProbe = System.nanoTime();

    public CancellationToken() {
        this(null);
    }

    private CancellationToken(BooleanSupplier probe) {
        this.probe = probe;
    }

    /**
     * A token that also cancels itself once {@code probe} answers true (e.g. "the client went away"). The probe runs
     * on the thread checking the token, at most every 100 ms, and only while a generation checks it.
     */
    public static CancellationToken probing(BooleanSupplier probe) {
        return new CancellationToken(probe);
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        if (!cancelled && probe != null && System.nanoTime() - lastProbe >= PROBE_INTERVAL_NANOS) {
            lastProbe = System.nanoTime();
            if (probe.getAsBoolean()) cancelled = true;
        }
        return cancelled;
    }
}
