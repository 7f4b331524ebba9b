package dev.bastion.engine.template;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The budget of one render, checked cooperatively at every template step: it throws once the render is cancelled or
 * over its {@link RenderLimits}, and again at every later check, so that a template engine which swallows one
 * exception still stops at its next step. Confined to the rendering thread, except {@code cancelled}.
 */
public final class RenderBudget {

    private final RenderLimits limits;
    private final long deadline;
    private final long maxOutputChars;
    private final BooleanSupplier cancelled;
    private long steps;
    private RuntimeException failure;

    private RenderBudget(RenderLimits limits, long maxOutputChars, BooleanSupplier cancelled) {
        this.limits = limits;
        this.maxOutputChars = maxOutputChars;
        this.cancelled = cancelled;
        this.deadline = System.nanoTime() + limits.time().toNanos();
    }

    /** Starts the clock for a render for a model of {@code contextTokens} positions, observing {@code cancelled}. */
    public static RenderBudget start(RenderLimits limits, int contextTokens, BooleanSupplier cancelled) {
        return new RenderBudget(limits, limits.maxOutputChars(contextTokens), cancelled);
    }

    /** The default limits, never cancelled. */
    public static RenderBudget standard() {
        return start(RenderLimits.DEFAULT, 0, () -> false);
    }

    long maxOutputChars() {
        return maxOutputChars;
    }

    /** Counts one step. */
    void step() {
        if (failure == null) {
            if (cancelled.getAsBoolean()) failure = new CancellationException("template rendering cancelled");
            else if (++steps > limits.maxSteps()) failure = new TemplateBudgetExceededException(limits.maxSteps() + " steps");
            else if (System.nanoTime() - deadline > 0) failure = new TemplateBudgetExceededException(seconds() + " of time");
        }
        if (failure != null) throw failure;
    }

    /** Checks that {@code chars} characters of output are within the cap. */
    void checkOutput(long chars) {
        if (chars > maxOutputChars) outputExceeded();
    }

    /** Ends the render: the template engine reported output over the cap. */
    void outputExceeded() {
        exceeded(maxOutputChars + " characters of output");
    }

    /** Ends the render: {@code limit} ran out (unless it already ended otherwise). */
    void exceeded(String limit) {
        if (failure == null) failure = new TemplateBudgetExceededException(limit);
        throw failure;
    }

    /** Throws what stopped the render, if anything did. */
    void rethrowFailure() {
        if (failure != null) throw failure;
    }

    private String seconds() {
        long millis = limits.time().toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
