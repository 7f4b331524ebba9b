package dev.bastion.api;

import dev.bastion.security.Principal;
import io.javalin.http.Context;

import java.util.Optional;

/**
 * What the security chain learns about a request and hands to everything after it, as request attributes: one
 * definition of each name. Log context keys are in {@link dev.bastion.security.LogContext}.
 */
public final class RequestContext {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String REQUEST_ID_ATTRIBUTE = "bastion.requestId";
    /** The authenticated caller: a {@link Principal}, or any {@link java.security.Principal} or String a test sets. */
    public static final String PRINCIPAL_ATTRIBUTE = "bastion.principal";
    public static final String CLIENT_IP_ATTRIBUTE = "bastion.clientIp";
    /** Why the security chain refused the request: its error code ({@code rate_limit_exceeded}, …), a fixed string. */
    public static final String REFUSAL_ATTRIBUTE = "bastion.refusal";

    private RequestContext() {
    }

    /** The request id, or null before the chain has run (or without a chain). */
    public static String requestId(Context ctx) {
        return ctx.attribute(REQUEST_ID_ATTRIBUTE);
    }

    /** The authenticated caller (empty on open endpoints and without a chain). */
    public static Optional<Principal> principal(Context ctx) {
        return ctx.attribute(PRINCIPAL_ATTRIBUTE) instanceof Principal p ? Optional.of(p) : Optional.empty();
    }

    /** The caller's name, whatever kind of principal was recorded; null if none. */
    public static String principalName(Context ctx) {
        Object p = ctx.attribute(PRINCIPAL_ATTRIBUTE);
        if (p instanceof java.security.Principal principal) return principal.getName();
        if (p instanceof String s) return s;
        return null;
    }
}
