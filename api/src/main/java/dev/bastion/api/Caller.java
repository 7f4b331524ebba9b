package dev.bastion.api;

import dev.bastion.security.Principal;
import io.javalin.http.Context;

/**
 * Who asked, read once at the edge of a request and passed on explicitly from there.
 *
 * @param principal the authenticated user's name, or null (no authentication)
 * @param requestId the request's id, or null
 * @param cacheOwner whose KV caches this caller's generations may reuse: the user id of an authenticated user (a name
 *                   can be reused after a user is removed), else the principal's name; one shared owner without
 *                   authentication
 * @param account the account the security chain authenticated, or null (no security layer, or another authenticator)
 */
public record Caller(String principal, String requestId, String cacheOwner, Principal account) {

    public static final Caller ANONYMOUS = new Caller(null, null, "anonymous", null);

    public Caller(String principal, String requestId) {
        this(principal, requestId, null, null);
    }

    static Caller of(Context ctx) {
        String name = RequestContext.principalName(ctx);
        Principal account = RequestContext.principal(ctx).orElse(null);
        String cacheOwner = account != null ? "user:" + account.userId() : name == null ? "anonymous" : "name:" + name;
        return new Caller(name, RequestContext.requestId(ctx), cacheOwner, account);
    }
}
