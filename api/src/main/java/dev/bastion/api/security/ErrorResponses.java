package dev.bastion.api.security;

import dev.bastion.api.RequestContext;
import dev.bastion.api.types.ErrorResponse;
import io.javalin.http.Context;


/**
 * Error bodies in the client's dialect: Anthropic's {@code {"type":"error","error":{"type","message"}}} under
 * {@code /v1/messages}, OpenAI's {@code {"error":{"message","type","code"}}} elsewhere under {@code /v1/},
 * Ollama's {@code {"error": "...", "request_id": "..."}} elsewhere. Both carry the request id and nothing internal.
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    public static void write(Context ctx, int status, String message, String type, String code) {
        write(ctx, status, message, type, code, null);
    }

    /** @param param the request field at fault (OpenAI's {@code param}), or null */
    public static void write(Context ctx, int status, String message, String type, String code, String param) {
        if (ctx.res().isCommitted()) return;
        ctx.status(status).json(body(ctx.path(), status, message, type, code, param, RequestContext.requestId(ctx)));
    }

    /** The error body for a request to {@code path}; {@code requestId} may be null (the request was never parsed). */
    public static Object body(String path, String message, String type, String code, String param, String requestId) {
        return body(path, 0, message, type, code, param, requestId);
    }

    /** As above; {@code status} picks Anthropic's error type under {@code /v1/messages}. */
    public static Object body(String path, int status, String message, String type, String code, String param, String requestId) {
        if (path != null && (path.equals("/v1/messages") || path.startsWith("/v1/messages/"))) {
            return dev.bastion.api.anthropic.Anthropic.error(status, message, requestId);
        }
        if (path != null && path.startsWith("/v1/")) {
            return new dev.bastion.api.openai.ErrorResponse(new dev.bastion.api.openai.ErrorResponse.Error(message, type, param, code, requestId));
        }
        return new ErrorResponse(message, requestId);
    }
}
