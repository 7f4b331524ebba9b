package dev.bastion.api;

import io.javalin.http.Context;

/**
 * Who asked, read once at the edge of a request and passed on explicitly from there.
 *
 * @param principal the authenticated user's name, or null (no authentication)
 * @param requestId the request's id, or null
 */
public record Caller(String principal, String requestId) {

    public static final Caller ANONYMOUS = new Caller(null, null);

    static Caller of(Context ctx) {
        return new Caller(RequestContext.principalName(ctx), RequestContext.requestId(ctx));
    }
}
