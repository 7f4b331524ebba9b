package dev.bastion.api;

import dev.bastion.engine.template.PromptTemplateException;

/**
 * A failure whose message is safe to show to the client. Anything else that escapes a handler becomes a generic 500.
 *
 * @param param the request field at fault, or null
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String param;

    public ApiException(int status, String message, String param) {
        super(message);
        this.status = status;
        this.param = param;
    }

    public static ApiException badRequest(String message, String param) {
        return new ApiException(400, message, param);
    }

    /** A required field is missing: {@code 'field' is required}. */
    public static ApiException required(String field) {
        return badRequest("'" + field + "' is required", field);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message, "model");
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "model '" + model + "' not found", "model");
    }

    /**
     * A template that cannot be used (400) or exceeded its render budget (422): the request's own ({@code template})
     * or the model's TEMPLATE or chat template ({@code model}).
     */
    public static ApiException of(PromptTemplateException e) {
        boolean request = e.source() == PromptTemplateException.Source.REQUEST;
        String field = request ? "template" : "model";
        if (!request) return new ApiException(e.limit() == null ? 400 : 422, e.getMessage(), field);
        if (e.limit() == null) return badRequest("'template' cannot be used: " + e.reason(), field);
        return new ApiException(422, "'template' exceeded its render budget (" + e.limit() + ")", field);
    }

    public int status() {
        return status;
    }

    public String param() {
        return param;
    }

    /** Client text quoted in a message: control characters replaced, at most 64 characters. */
    public static String quote(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().limit(64).forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > 64 ? sb + "…" : sb.toString();
    }
}
