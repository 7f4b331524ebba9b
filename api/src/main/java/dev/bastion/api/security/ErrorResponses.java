package dev.bastion.api.security;

import dev.bastion.api.RequestContext;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Error bodies in the client's dialect: OpenAI's {@code {"error":{"message","type","code"}}} under {@code /v1/},
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
        ctx.status(status).json(body(ctx.path(), message, type, code, param, RequestContext.requestId(ctx)));
    }

    /** The error body for a request to {@code path}; {@code requestId} may be null (the request was never parsed). */
    public static Map<String, Object> body(String path, String message, String type, String code, String param,
                                           String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (path != null && path.startsWith("/v1/")) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("message", message);
            error.put("type", type);
            error.put("param", param);
            error.put("code", code);
            if (requestId != null) error.put("request_id", requestId);
            body.put("error", error);
        } else {
            body.put("error", message);
            if (requestId != null) body.put("request_id", requestId);
        }
        return body;
    }
}
