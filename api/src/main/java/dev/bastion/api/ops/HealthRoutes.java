package dev.bastion.api.ops;

import dev.bastion.api.Access;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * {@code GET /health/live} (the process answers) and {@code GET /health/ready} ({@link Readiness}) for load balancers
 * and orchestrators: no authentication, no rate limit, and nothing in the body but the status, so an unauthenticated
 * caller learns no more than whether the node takes requests.
 */
public final class HealthRoutes {

    static final String OK = "{\"status\":\"ok\"}";
    static final String UNAVAILABLE = "{\"status\":\"unavailable\"}";

    private final Readiness readiness;

    public HealthRoutes(Readiness readiness) {
        this.readiness = readiness;
    }

    public void register(RoutesConfig routes) {
        routes.get("/health/live", ctx -> write(ctx, true), Access.PROBE);
        routes.get("/health/ready", ctx -> write(ctx, readiness.verdict().ready()), Access.PROBE);
    }

    private static void write(Context ctx, boolean ok) {
        ctx.header("Cache-Control", "no-store");
        ctx.status(ok ? 200 : 503).contentType("application/json").result(ok ? OK : UNAVAILABLE);
    }
}
