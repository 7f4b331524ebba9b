package dev.bastion.mcp.upstream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.JsonFields;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import io.javalin.config.JavalinConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET/POST /api/mcp/upstreams} and {@code DELETE /api/mcp/upstreams/{name}} (admin only; every change
 * audited), and the upstreams' life with the server's: started when it starts, re-read from the registry every
 * {@link #SYNC_SECONDS} s (so {@code bastion mcp add|rm} take effect on a running server), closed when it stops.
 */
public final class UpstreamRoutes implements ServerModule {

    static final int SYNC_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };

    private final Upstreams upstreams;
    private final AuditLog audit;
    private ScheduledExecutorService syncer;

    public UpstreamRoutes(Upstreams upstreams, AuditLog audit) {
        this.upstreams = upstreams;
        this.audit = audit;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/api/mcp/upstreams", ctx -> ctx.json(upstreams.views()), Access.ADMIN);
        config.routes.post("/api/mcp/upstreams", this::add, Access.ADMIN);
        config.routes.delete("/api/mcp/upstreams/{name}", this::remove, Access.ADMIN);
    }

    @Override
    public void start() {
        upstreams.start();
        syncer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("mcp-upstream-sync").factory());
        syncer.scheduleWithFixedDelay(upstreams::sync, SYNC_SECONDS, SYNC_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
        if (syncer != null) syncer.shutdownNow();
        upstreams.close();
    }

    private void add(Context ctx) {
        JsonNode body = body(ctx);
        String name = body.path("name").asText("");
        UpstreamConfig config;
        try {
            config = parse(body, name, RequestContext.principalName(ctx));
            upstreams.add(config);
        } catch (IllegalArgumentException e) {
            audit(ctx, "mcp.upstream.add", UpstreamConfig.printable(name), "failure", Map.of("reason", e.getMessage()));
            throw new BadRequestResponse(e.getMessage());
        }
        audit(ctx, "mcp.upstream.add", name, "success", Map.of("kind", config.kind().id()));
        ctx.status(201).json(upstreams.views().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow());
    }

    private void remove(Context ctx) {
        String name = ctx.pathParam("name");
        if (!upstreams.remove(name)) throw new NotFoundResponse("no such upstream");
        audit(ctx, "mcp.upstream.remove", name, "success", Map.of());
        ctx.json(Map.of("removed", name));
    }

    /** {"name", "command": [...], "env", "secret_env"} for stdio; {"name", "url", "headers", "secret_headers"} for HTTP. */
    static UpstreamConfig parse(JsonNode body, String name, String actor) {
        if (body.hasNonNull("url")) {
            if (!body.path("url").isTextual()) throw new IllegalArgumentException("url must be a string");
            return UpstreamConfig.http(name, body.get("url").asText(), map(body, "headers"), map(body, "secret_headers"), actor);
        }
        JsonNode command = body.path("command");
        if (!command.isArray() || command.isEmpty()) throw new IllegalArgumentException("give either url or command (a list of strings)");
        List<String> argv = new ArrayList<>();
        for (JsonNode part : command) {
            if (!part.isTextual()) throw new IllegalArgumentException("command must be a list of strings");
            argv.add(part.asText());
        }
        return UpstreamConfig.stdio(name, argv, map(body, "env"), map(body, "secret_env"), actor);
    }

    private static Map<String, String> map(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return Map.of();
        try {
            return JSON.convertValue(node, STRING_MAP);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " must be an object of strings");
        }
    }

    private void audit(Context ctx, String action, String target, String outcome, Map<String, String> details) {
        audit.append(new AuditEvent(RequestContext.requestId(ctx), RequestContext.principalName(ctx), action, target,
                outcome, details));
    }

    private static JsonNode body(Context ctx) {
        return JsonFields.parse(ctx.bodyAsBytes());
    }
}
