package dev.bastion.engine.template;

/**
 * A prompt template that cannot be used: one that cannot be parsed ({@link #reason()}), or one that exceeded its
 * render budget ({@link #limit()}); {@link #source()} says whose template it is.
 */
public final class PromptTemplateException extends RuntimeException {

    /** Whose template is at fault: the request's own, the stored model's TEMPLATE, or the model's chat template. */
    public enum Source {
        REQUEST("the template"), MODEL("the model's TEMPLATE"), CHAT_TEMPLATE("the model's chat template");

        private final String description;

        Source(String description) {
            this.description = description;
        }
    }

    private final Source source;
    private final String reason;
    private final String limit;

    private PromptTemplateException(Source source, String reason, String limit, String message) {
        super(message);
        this.source = source;
        this.reason = reason;
        this.limit = limit;
    }

    static PromptTemplateException unusable(Source source, String reason) {
        return new PromptTemplateException(source, reason, null, source.description + " cannot be used: " + reason);
    }

    static PromptTemplateException overBudget(Source source, String limit) {
        return new PromptTemplateException(source, null, limit, source.description + " exceeded its render budget (" + limit + ")");
    }

    public Source source() {
        return source;
    }

    /** What makes the template unusable; null when it exceeded its budget. */
    public String reason() {
        return reason;
    }

    /** The render limit it exceeded; null when it could not be used at all. */
    public String limit() {
        return limit;
    }
}
