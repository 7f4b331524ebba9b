package dev.bastion.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Redirects Ctrl-C (SIGINT) to an action while installed, so it cancels a generation instead of ending the process;
 * the previous handler comes back on close.
 */
final class InterruptHandler implements AutoCloseable {

    private static final Signal INT = new Signal("INT");

    private final SignalHandler previous;

    private InterruptHandler(SignalHandler previous) {
        this.previous = previous;
    }

    static InterruptHandler install(Runnable onInterrupt) {
        try {
            return new InterruptHandler(Signal.handle(INT, signal -> onInterrupt.run()));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // The platform or JVM options (-Xrs) do not let us handle SIGINT: Ctrl-C keeps its default behaviour.
            return new InterruptHandler(null);
        }
    }

    @Override
    public void close() {
        if (previous != null) Signal.handle(INT, previous);
    }
}
