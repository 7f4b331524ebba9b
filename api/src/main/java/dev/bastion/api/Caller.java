package dev.bastion.api;

import io.javalin.http.Context;

/**
 * Who asked, read once at the edge of a request and passed on explicitly from there.
 *
 * @param principal the authenticated user's name, or null (no authentication)
 * @param requestId the request's id, or null
 * @param cacheOwner whose KV caches this caller's generations may reuse: the user id of an authenticated user (a name
 *                   can be reused after a user is removed), else the principal's name; one shared owner without
 *                   authentication
 */
public record Caller(String principal, String requestId, String cacheOwner) {

    public static final Caller ANONYMOUS = new Caller(null, null, "anonymous");

    static Caller of(Context ctx) {
        String name = RequestContext.principalName(ctx);
        String cacheOwner = RequestContext.principal(ctx).map(user -> "user:" + user.userId())
                .orElse(name == null ? "anonymous" : "name:" + name);
        return new Caller(name, RequestContext.requestId(ctx), cacheOwner);
    }
}
