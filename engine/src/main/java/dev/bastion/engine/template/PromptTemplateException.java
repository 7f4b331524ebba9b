package dev.bastion.engine.template;

/** A Go template that cannot render a prompt; {@link #source()} says whose it is, {@link #reason()} what is wrong. */
public final class PromptTemplateException extends RuntimeException {

    /** Whose template is at fault: the request's own or the stored model's TEMPLATE. */
    public enum Source { REQUEST, MODEL }

    private final Source source;
    private final String reason;

    public PromptTemplateException(Source source, String reason) {
        super((source == Source.REQUEST ? "the template" : "the model's TEMPLATE") + " cannot be used: " + reason);
        this.source = source;
        this.reason = reason;
    }

    public Source source() {
        return source;
    }

    public String reason() {
        return reason;
    }
}
