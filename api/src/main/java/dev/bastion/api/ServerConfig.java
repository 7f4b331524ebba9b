package dev.bastion.api;

import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * @param security installed first: authentication, scopes and limits for every route (none by default)
 * @param modules HTTP-facing parts registered after the security layer and before the model APIs, in order; their
 *                authenticators go to the security layer, their start and stop follow the server's
 * @param ownerResolver the owner recorded for store writes; by default the principal attribute's name, else null
 * @param modifyPolicy whether the caller may delete or overwrite a model of the given owner (null owner possible);
 *                     by default anyone may
 * @param visibilityPolicy whether the caller may see a model of the given owner (null owner possible); every endpoint
 *                         answers for an invisible model exactly as for an unknown one; by default all are visible
 * @param modelAudit told of every model create, copy and delete through the API, granted or refused
 */
public record ServerConfig(BindAddress bind, long maxBodyBytes, SchedulerConfig scheduler, SecurityLayer security,
                           List<ServerModule> modules,
                           Function<Context, String> ownerResolver, BiPredicate<Context, String> modifyPolicy,
                           BiPredicate<Context, String> visibilityPolicy, ModelAudit modelAudit) {

    /** Receives model operations for the audit trail; {@code outcome} is {@code success}, {@code denied} or {@code failure}. */
    @FunctionalInterface
    public interface ModelAudit {
        ModelAudit NONE = (ctx, action, model, outcome, details) -> { };

        void record(Context ctx, String action, String model, String outcome, Map<String, String> details);
    }

    public static final long DEFAULT_MAX_BODY_BYTES = 10L << 20;

    public ServerConfig {
        java.util.Objects.requireNonNull(security, "security");
        modules = List.copyOf(modules);
        java.util.Objects.requireNonNull(visibilityPolicy, "visibilityPolicy");
        java.util.Objects.requireNonNull(modelAudit, "modelAudit");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body size must be positive, got " + maxBodyBytes);
    }

    public static ServerConfig defaults(BindAddress bind) {
        return new ServerConfig(bind, DEFAULT_MAX_BODY_BYTES, SchedulerConfig.defaults(), SecurityLayer.NONE, List.of(),
                RequestContext::principalName,
                (ctx, owner) -> true, (ctx, owner) -> true, ModelAudit.NONE);
    }

    public ServerConfig withScheduler(SchedulerConfig s) {
        return new ServerConfig(bind, maxBodyBytes, s, security, modules, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(bind, bytes, scheduler, security, modules, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withSecurity(SecurityLayer layer) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, layer, modules, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withModule(ServerModule module) {
        List<ServerModule> all = new ArrayList<>(modules);
        all.add(module);
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, all, ownerResolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withOwnerResolver(Function<Context, String> resolver) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, resolver, modifyPolicy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withModifyPolicy(BiPredicate<Context, String> policy) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, ownerResolver, policy, visibilityPolicy, modelAudit);
    }

    public ServerConfig withVisibilityPolicy(BiPredicate<Context, String> policy) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, ownerResolver, modifyPolicy, policy, modelAudit);
    }

    public ServerConfig withModelAudit(ModelAudit audit) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, ownerResolver, modifyPolicy, visibilityPolicy, audit);
    }
}
