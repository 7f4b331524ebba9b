package dev.bastion.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * @param visibilityPolicy whether the caller may see a model of the given owner (null owner possible); every endpoint
 *                         answers for an invisible model exactly as for an unknown one; by default all are visible
 * @param modelAudit told of every model create, copy and delete through the API, granted or refused
 */
public record ServerConfig(BindAddress bind, long maxBodyBytes, SchedulerConfig scheduler, List<Consumer<JavalinConfig>> extensions,
                           Function<Context, String> ownerResolver, BiPredicate<Context, String> modifyPolicy,
                           BiPredicate<Context, String> visibilityPolicy, ModelAudit modelAudit) {

    /** Receives model operations for the audit trail; {@code outcome} is {@code success}, {@code denied} or {@code failure}. */
    @FunctionalInterface
    public interface ModelAudit {
        ModelAudit NONE = (ctx, action, model, outcome, details) -> { };

        void record(Context ctx, String action, String model, String outcome, Map<String, String> details);
    }

    /** Request attribute holding the authenticated principal (a {@link java.security.Principal} or a String). */
    public static final String PRINCIPAL_ATTRIBUTE = "bastion.principal";
    public static final long DEFAULT_MAX_BODY_BYTES = 10L << 20;

    public ServerConfig {
        extensions = List.copyOf(extensions);
        java.util.Objects.requireNonNull(visibilityPolicy, "visibilityPolicy");
        java.util.Objects.requireNonNull(modelAudit, "modelAudit");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body size must be positive, got " + maxBodyBytes);
    }

    public static ServerConfig defaults(BindAddress bind) {
        return new ServerConfig(bind, DEFAULT_MAX_BODY_BYTES, SchedulerConfig.defaults(), List.of(), ServerConfig::principalName,
                (ctx, owner) -> true, (ctx, owner) -> true, ModelAudit.NONE);
    }

    public ServerConfig withScheduler(SchedulerConfig s) {
        return new ServerConfig(bind, maxBodyBytes, s, extensions, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(bind, bytes, scheduler, extensions, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withExtension(Consumer<JavalinConfig> extension) {
        List<Consumer<JavalinConfig>> all = new ArrayList<>(extensions);
        all.add(extension);
        return new ServerConfig(bind, maxBodyBytes, scheduler, all, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withOwnerResolver(Function<Context, String> resolver) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, extensions, resolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withModifyPolicy(BiPredicate<Context, String> policy) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, extensions, ownerResolver, policy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withVisibilityPolicy(BiPredicate<Context, String> policy) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, extensions, ownerResolver, modifyPolicy, policy, modelAudit);
    }

    public ServerConfig withModelAudit(ModelAudit audit) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, extensions, ownerResolver, modifyPolicy, visibilityPolicy, audit);
    }

    /**
     * Whose KV caches a generation of this request may reuse: the user id of an authenticated user (a name can be
     * reused after a user is removed), else the principal's name; one shared owner when the server has no authentication.
     */
    public static String cacheOwner(Context ctx) {
        Object p = ctx.attribute(PRINCIPAL_ATTRIBUTE);
        if (p instanceof dev.bastion.security.Principal user) return "user:" + user.userId();
        String name = principalName(ctx);
        return name == null ? "anonymous" : "name:" + name;
    }

    public static String principalName(Context ctx) {
        Object p = ctx.attribute(PRINCIPAL_ATTRIBUTE);
        if (p instanceof java.security.Principal principal) return principal.getName();
        if (p instanceof String s) return s;
        return null;
    }
}
