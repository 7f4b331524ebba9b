package dev.bastion.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.SecurityServices;
import dev.bastion.web.Passwords;
import io.javalin.config.JavalinConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/admin/users/{name}/password}: an admin sets another user's web password, or has one generated and
 * shown this once. Either way the user's sessions end. Passwords live in this module, so the route does too.
 */
public final class PasswordResetRoutes implements ServerModule {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SecurityServices security;
    private final Passwords passwords;

    public PasswordResetRoutes(SecurityServices security, Passwords passwords) {
        this.security = security;
        this.passwords = passwords;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.post("/api/admin/users/{name}/password", this::reset, Access.ADMIN);
    }

    private void reset(Context ctx) {
        String name = ctx.pathParam("name");
        if (security.users().find(name).isEmpty()) throw new NotFoundResponse("no such user");
        String given = givenPassword(ctx);
        String password = given != null ? given : Passwords.generate();
        try {
            passwords.set(name, password);
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
        security.audit().append(new AuditEvent(RequestContext.requestId(ctx), RequestContext.principalName(ctx),
                "user.password_reset", name, "success", Map.of("generated", Boolean.toString(given == null))));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", name);
        answer.put("password", given == null ? password : null); // a password the admin chose is never echoed
        ctx.header("Cache-Control", "no-store").json(answer);
    }

    /** The body's {@code password}, or null to generate one (no body, or no such field). */
    private static String givenPassword(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) return null;
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (Exception e) {
            throw new BadRequestResponse("request body is not valid JSON");
        }
        if (json == null || !json.isObject()) throw new BadRequestResponse("request body must be a JSON object");
        JsonNode password = json.get("password");
        if (password == null || password.isNull()) return null;
        if (!password.isTextual()) throw new BadRequestResponse("'password' must be a string");
        return password.asText();
    }
}
