package dev.bastion.engine.template;

/** A template used up its {@link RenderLimits}; the message names the limit, never the template's text. */
public final class TemplateBudgetExceededException extends RuntimeException {

    private final String limit;

    TemplateBudgetExceededException(String limit) {
        super("the template exceeded its render budget (" + limit + ")", null, false, false);
        this.limit = limit;
    }

    /** The limit that ran out, e.g. {@code 2 s of time} or {@code 1000000 steps}. */
    public String limit() {
        return limit;
    }
}
