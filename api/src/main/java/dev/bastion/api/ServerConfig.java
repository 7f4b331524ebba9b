package dev.bastion.api;

import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * @param security installed first: authentication, scopes and limits for every route (none by default)
 * @param modules HTTP-facing parts registered after the security layer and before the model APIs, in order; their
 *                authenticators go to the security layer, their start and stop follow the server's
 * @param modelAccess who owns the models a caller stores, and who may see and change which; by default
 *                    {@link ModelAccessPolicy#OPEN}
 * @param modelAudit told of every model create, copy and delete through the API, granted or refused
 * @param importRoot the server directory under which admins may import model directories over HTTP; null: none
 */
public record ServerConfig(BindAddress bind, long maxBodyBytes, SchedulerConfig scheduler, SecurityLayer security,
                           List<ServerModule> modules,
                           ModelAccessPolicy modelAccess, ModelAudit modelAudit, java.nio.file.Path importRoot) {

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
        java.util.Objects.requireNonNull(modelAccess, "modelAccess");
        java.util.Objects.requireNonNull(modelAudit, "modelAudit");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body size must be positive, got " + maxBodyBytes);
    }

    public static ServerConfig defaults(BindAddress bind) {
        return new ServerConfig(bind, DEFAULT_MAX_BODY_BYTES, SchedulerConfig.defaults(), SecurityLayer.NONE, List.of(),
                ModelAccessPolicy.OPEN, ModelAudit.NONE, null);
    }

    public ServerConfig withScheduler(SchedulerConfig s) {
        return new ServerConfig(bind, maxBodyBytes, s, security, modules, modelAccess, modelAudit, importRoot);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(bind, bytes, scheduler, security, modules, modelAccess, modelAudit, importRoot);
    }

    public ServerConfig withSecurity(SecurityLayer layer) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, layer, modules, modelAccess, modelAudit, importRoot);
    }

    public ServerConfig withModule(ServerModule module) {
        List<ServerModule> all = new ArrayList<>(modules);
        all.add(module);
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, all, modelAccess, modelAudit, importRoot);
    }

    public ServerConfig withModelAccess(ModelAccessPolicy policy) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, policy, modelAudit, importRoot);
    }

    public ServerConfig withModelAudit(ModelAudit audit) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, modelAccess, audit, importRoot);
    }

    public ServerConfig withImportRoot(java.nio.file.Path root) {
        return new ServerConfig(bind, maxBodyBytes, scheduler, security, modules, modelAccess, modelAudit, root);
    }
}
