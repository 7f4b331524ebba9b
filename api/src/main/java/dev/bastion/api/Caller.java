package dev.bastion.api;

import dev.bastion.security.Principal;
import io.javalin.http.Context;

/**
 * Who asked, read once at the edge of a request and passed on explicitly from there.
 *
 * @param principal the authenticated user's name, or null (no authentication)
 * @param requestId the request's id, or null
 * @param account the account the security chain authenticated, or null (no security layer, or another authenticator)
 */
public record Caller(String principal, String requestId, Principal account) {

    public static final Caller ANONYMOUS = new Caller(null, null, null);

    public Caller(String principal, String requestId) {
        this(principal, requestId, null);
    }

    static Caller of(Context ctx) {
        return new Caller(RequestContext.principalName(ctx), RequestContext.requestId(ctx), RequestContext.principal(ctx).orElse(null));
    }

    /**
     * Whose KV caches this caller's generations may reuse: the user id of an authenticated account (a name can be reused
     * after a user is removed), else the principal's name; one shared owner without authentication.
     */
    public String cacheOwner() {
        if (account != null) return "user:" + account.userId();
        return principal == null ? "anonymous" : "name:" + principal;
    }
}
