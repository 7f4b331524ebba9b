package dev.bastion.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * @param extensions applied to the Javalin config before the API routes, in order: the place for authentication,
 *                   audit and other before-filters (e.g. a security chain's {@code install}); a filter rejects a
 *                   request by throwing, and records the caller in the request attribute {@link #PRINCIPAL_ATTRIBUTE}
 * @param ownerResolver the owner recorded for store writes; by default the principal attribute's name, else null
 * @param modifyPolicy whether the caller may delete or overwrite a model of the given owner (null owner possible);
 *                     by default anyone may
 */
public record ServerConfig(BindAddress bind, long maxBodyBytes, SchedulerConfig scheduler, List<Consumer<JavalinConfig>> extensions,
                           Function<Context, String> ownerResolver, BiPredicate<Context, String> modifyPolicy) {

    /** Request attribute holding the authenticated principal (a {@link java.security.Principal} or a String). */
    public static final String PRINCIPAL_ATTRIBUTE = "bastion.principal";
    public static final long DEFAULT_MAX_BODY_BYTES = 10L << 20;

    public ServerConfig {
        extensions = List.copyOf(extensions);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body size must be positive, got " + maxBodyBytes);
    }

    public static ServerConfig defaults(BindAddress bind) {
        return new ServerConfig(bind, DEFAULT_MAX_BODY_BYTES, SchedulerConfig.defaults(), List.of(), ServerConfig::principalName,
                (ctx, owner) -> true);
    }

    public ServerConfig withScheduler(SchedulerConfig s) {
        return new ServerConfig(bind, maxBodyBytes, s, extensions, ownerResolver, modifyPolicy);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(bind, bytes, scheduler, extensions, ownerResolver, modifyPolicy);
    }

    public ServerConfig withExtension(Consumer<JavalinConfig> extension) {
        List<Consumer<JavalinConfig>> all = new ArrayList<>(extensions);
        all.add(extension);
        return new ServerConfig(bind, maxBodyBytes, scheduler, all, ownerResolver, modifyPolicy);
    }

    public ServerConfig withOwnerResolver(Function<Context, String> resolver) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, extensions, resolver, modifyPolicy);
    }

    public ServerConfig withModifyPolicy(BiPredicate<Context, String> policy) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, extensions, ownerResolver, policy);
    }

    public static String principalName(Context ctx) {
        Object p = ctx.attribute(PRINCIPAL_ATTRIBUTE);
        if (p instanceof java.security.Principal principal) return principal.getName();
        if (p instanceof String s) return s;
        return null;
    }
}
