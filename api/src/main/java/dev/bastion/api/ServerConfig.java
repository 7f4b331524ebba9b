package dev.bastion.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.List;
import java.util.function.Function;

/**
 * @param filters run before every route in order (authentication, audit); one may reject by throwing or by setting
 *                the request attribute {@link #PRINCIPAL_ATTRIBUTE}
 * @param ownerResolver the owner recorded for store writes; by default the principal attribute's name, else null
 */
public record ServerConfig(BindAddress bind, long maxBodyBytes, SchedulerConfig scheduler, List<Handler> filters,
                           Function<Context, String> ownerResolver) {

    /** Request attribute holding the authenticated principal (a {@link java.security.Principal} or a String). */
    public static final String PRINCIPAL_ATTRIBUTE = "bastion.principal";
    public static final long DEFAULT_MAX_BODY_BYTES = 10L << 20;

    public ServerConfig {
        filters = List.copyOf(filters);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body size must be positive, got " + maxBodyBytes);
    }

    public static ServerConfig defaults(BindAddress bind) {
        return new ServerConfig(bind, DEFAULT_MAX_BODY_BYTES, SchedulerConfig.defaults(), List.of(), ServerConfig::principalName);
    }

    public ServerConfig withScheduler(SchedulerConfig s) {
        return new ServerConfig(bind, maxBodyBytes, s, filters, ownerResolver);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(bind, bytes, scheduler, filters, ownerResolver);
    }

    public ServerConfig withFilters(List<Handler> f) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, f, ownerResolver);
    }

    public static String principalName(Context ctx) {
        Object p = ctx.attribute(PRINCIPAL_ATTRIBUTE);
        if (p instanceof java.security.Principal principal) return principal.getName();
        if (p instanceof String s) return s;
        return null;
    }
}
