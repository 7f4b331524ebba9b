package dev.bastion.api.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.api.security.AdminViews.CreatedKeyView;
import dev.bastion.api.security.AdminViews.KeyRevoked;
import dev.bastion.api.security.AdminViews.KeyView;
import dev.bastion.api.security.AdminViews.UserDisabled;
import dev.bastion.api.security.AdminViews.UserEnabled;
import dev.bastion.api.security.AdminViews.UserView;
import dev.bastion.security.AccessDeniedException;
import dev.bastion.security.ApiKey;
import dev.bastion.security.Authorizer;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.CreatedKey;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import io.javalin.config.JavalinConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.NotFoundResponse;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Users and keys over HTTP. Admin routes ({@code /api/admin/users}, {@code /api/admin/keys}) need the admin scope
 * (enforced by the chain); self-service routes ({@code /api/keys}) let any key holder list, create and revoke their
 * own keys, never beyond their own scopes. Every change is audited.
 */
public final class SecurityAdminRoutes implements ServerModule {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SecurityServices security;

    public SecurityAdminRoutes(SecurityServices security) {
        this.security = security;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/api/admin/users", ctx -> ctx.json(security.users().list().stream().map(UserView::of).toList()), Access.ADMIN);
        config.routes.post("/api/admin/users", this::createUser, Access.ADMIN);
        config.routes.post("/api/admin/users/{name}/disable", this::disableUser, Access.ADMIN);
        config.routes.post("/api/admin/users/{name}/enable", this::enableUser, Access.ADMIN);
        config.routes.post("/api/admin/users/{name}/role", this::setRole, Access.ADMIN);
        config.routes.get("/api/admin/audit", ctx -> ctx.json(AuditRoutes.page(security, ctx)), Access.ADMIN);
        config.routes.post("/api/admin/audit/verify", this::verifyAudit, Access.ADMIN);
        config.routes.get("/api/admin/keys", ctx -> ctx.json(keys(ctx.queryParam("user"))), Access.ADMIN);
        config.routes.post("/api/admin/keys", ctx -> createKey(ctx, null), Access.ADMIN);
        config.routes.delete("/api/admin/keys/{prefix}", this::revokeKey, Access.ADMIN);
        config.routes.get("/api/keys", ctx -> ctx.json(keys(caller(ctx).userName())), Access.MODELS_USE);
        config.routes.post("/api/keys", ctx -> createKey(ctx, caller(ctx).userName()), Access.MODELS_USE);
        config.routes.delete("/api/keys/{prefix}", this::revokeKey, Access.MODELS_USE);
    }

    private void createUser(Context ctx) {
        JsonNode body = body(ctx);
        String name = requiredText(body, "name");
        Role role = invalidAsBadRequest(() -> Role.parse(body.path("role").asText("user")));
        User user = invalidAsBadRequest(() -> security.users().create(name, role));
        audit(ctx, "user.create", name, Map.of("role", role.id()));
        ctx.status(201).json(UserView.of(user));
    }

    private void disableUser(Context ctx) {
        String name = ctx.pathParam("name");
        if (security.users().find(name).isEmpty()) {
            throw new NotFoundResponse("no such user");
        }
        invalidAsBadRequest(() -> {
            security.users().disable(name);
            return name;
        });
        audit(ctx, "user.disable", name, Map.of());
        ctx.json(new UserDisabled(name));
    }

    /** Re-enables a user; its unrevoked, unexpired keys work again, and the answer says how many. */
    private void enableUser(Context ctx) {
        String name = ctx.pathParam("name");
        if (security.users().find(name).isEmpty()) {
            throw new NotFoundResponse("no such user");
        }
        security.users().enable(name);
        long activeKeys = security.keys().activeKeyCount(name);
        audit(ctx, "user.enable", name, Map.of("active_keys", Long.toString(activeKeys)));
        ctx.json(new UserEnabled(name, activeKeys));
    }

    /** Makes a user admin or plain user; the last active admin stays admin (400). */
    private void setRole(Context ctx) {
        String name = ctx.pathParam("name");
        User before = security.users().find(name).orElseThrow(() -> new NotFoundResponse("no such user"));
        Role role = invalidAsBadRequest(() -> Role.parse(requiredText(body(ctx), "role")));
        invalidAsBadRequest(() -> {
            security.users().setRole(name, role);
            return name;
        });
        audit(ctx, "user.role", name, Map.of("from", before.role().id(), "to", role.id()));
        ctx.json(UserView.of(security.users().find(name).orElseThrow()));
    }

    /** Runs the chain verification; the answer names the first bad record, never a server path. */
    private void verifyAudit(Context ctx) {
        var result = security.verifyAudit();
        audit(ctx, "audit.verify", AuditLog.FILE_NAME, Map.of("ok", Boolean.toString(result.ok())),
                result.ok() ? "success" : "failure");
        ctx.json(AuditRoutes.verification(result, security.audit().file()));
    }

    /** @param forcedUser the caller's own name on self-service routes; null lets an admin name any user */
    private void createKey(Context ctx, String forcedUser) {
        Principal caller = caller(ctx);
        requireWritableAuditForSelfService(ctx);
        JsonNode body = body(ctx);
        String user = forcedUser != null ? forcedUser : requiredText(body, "user");
        Set<Scope> scopes = new LinkedHashSet<>();
        if (body.path("scopes").isArray()) {
            body.get("scopes").forEach(s -> scopes.add(invalidAsBadRequest(() -> Scope.parse(s.asText()))));
        } else {
            scopes.add(Scope.MODELS_USE);
        }
        Instant expiresAt = null;
        if (body.hasNonNull("expires_at")) {
            try {
                expiresAt = Instant.parse(body.get("expires_at").asText());
            } catch (DateTimeParseException e) {
                throw new BadRequestResponse("expires_at must be an ISO-8601 instant, e.g. 2027-01-31T00:00:00Z");
            }
        }
        Instant expiry = expiresAt;
        String name = body.hasNonNull("name") ? body.get("name").asText() : null;
        CreatedKey created;
        try {
            created = invalidAsBadRequest(() -> security.keys().create(caller, user, scopes, expiry, name));
        } catch (AccessDeniedException e) {
            audit(ctx, "key.create", user, Map.of("scopes", Scope.format(scopes)), "denied");
            throw new ForbiddenResponse("not permitted to create this key");
        }
        audit(ctx, "key.create", created.key().prefix(), Map.of("user", user, "scopes", Scope.format(scopes)));
        ctx.status(201).json(CreatedKeyView.of(created));
    }

    private void revokeKey(Context ctx) {
        Principal caller = caller(ctx);
        requireWritableAuditForSelfService(ctx);
        String prefix = ctx.pathParam("prefix");
        // Someone else's key answers exactly like a missing one, so prefixes cannot be probed.
        ApiKey key = security.keys().find(prefix)
                .filter(k -> Authorizer.canModify(caller, k.userName()))
                .orElseThrow(() -> new NotFoundResponse("no such key"));
        security.keys().revoke(key.prefix());
        audit(ctx, "key.revoke", key.prefix(), Map.of("user", key.userName()));
        ctx.json(new KeyRevoked(key.prefix()));
    }

    /**
     * The chain refuses admin changes up front when the audit log cannot be written; self-service key changes need
     * only models:use, so they are checked here (throws {@link dev.bastion.security.AuditLog.AuditUnavailableException},
     * a 503).
     */
    private void requireWritableAuditForSelfService(Context ctx) {
        if (ctx.path().startsWith("/api/keys")) {
            security.audit().ensureWritable();
        }
    }

    private List<KeyView> keys(String user) {
        return security.keys().list(user).stream().map(KeyView::of).toList();
    }

    private static Principal caller(Context ctx) {
        return RequestContext.principal(ctx).orElseThrow(() -> new ForbiddenResponse("no authenticated caller"));
    }

    private void audit(Context ctx, String action, String target, Map<String, String> details) {
        audit(ctx, action, target, details, "success");
    }

    private void audit(Context ctx, String action, String target, Map<String, String> details, String outcome) {
        security.audit().append(new AuditEvent(RequestContext.requestId(ctx), caller(ctx).userName(), action,
                target, outcome, details));
    }

    private static JsonNode body(Context ctx) {
        try {
            JsonNode node = JSON.readTree(ctx.body());
            if (node == null || !node.isObject()) {
                throw new BadRequestResponse("request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new BadRequestResponse("request body is not valid JSON");
        }
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new BadRequestResponse("field '" + field + "' is required");
        }
        return value.asText();
    }

    private static <T> T invalidAsBadRequest(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
    }
}
