package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.mcp.policy.PolicyRule;
import dev.bastion.mcp.policy.ToolPolicyStore;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.SecurityServices;
import io.javalin.config.JavalinConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;

import java.util.Map;

/**
 * The tool policy over HTTP, for admins: {@code GET /api/mcp/policy} lists the rules, {@code POST} adds one
 * ({@code {"kind": "role"|"user", "subject": ..., "pattern": "files__*", "effect": "allow"|"deny"}}), {@code DELETE}
 * removes one (same fields as query parameters). Every change is audited.
 */
final class PolicyRoutes {

    static final String PATH = "/api/mcp/policy";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A rule as the API shows it. */
    record RuleView(long id, String kind, String subject, String pattern, String effect) {
        static RuleView of(PolicyRule rule) {
            return new RuleView(rule.id(), rule.kind().id(), rule.subject(), rule.pattern(), rule.effect().id());
        }
    }

    record Changed(boolean changed, RuleView rule) {
    }

    private final ToolPolicyStore store;
    private final SecurityServices security;

    PolicyRoutes(ToolPolicyStore store, SecurityServices security) {
        this.store = store;
        this.security = security;
    }

    void register(JavalinConfig config) {
        config.routes.get(PATH, ctx -> ctx.json(store.list().stream().map(RuleView::of).toList()), Access.ADMIN);
        config.routes.post(PATH, this::add, Access.ADMIN);
        config.routes.delete(PATH, this::remove, Access.ADMIN);
    }

    private void add(Context ctx) {
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (Exception e) {
            throw new BadRequestResponse("the body must be a JSON object");
        }
        if (body == null || !body.isObject()) throw new BadRequestResponse("the body must be a JSON object");
        PolicyRule rule = rule(body.path("kind").asText(null), body.path("subject").asText(null),
                body.path("pattern").asText(null), body.path("effect").asText(null));
        boolean added = store.add(rule);
        if (added) audit(ctx, "tool.policy.add", rule);
        ctx.status(added ? 201 : 200).json(new Changed(added, RuleView.of(rule)));
    }

    private void remove(Context ctx) {
        PolicyRule rule = rule(ctx.queryParam("kind"), ctx.queryParam("subject"), ctx.queryParam("pattern"),
                ctx.queryParam("effect"));
        if (!store.remove(rule)) throw new NotFoundResponse("no such rule");
        audit(ctx, "tool.policy.remove", rule);
        ctx.json(new Changed(true, RuleView.of(rule)));
    }

    private PolicyRule rule(String kind, String subject, String pattern, String effect) {
        try {
            PolicyRule rule = PolicyRule.of(PolicyRule.Kind.parse(kind), subject, pattern, PolicyRule.Effect.parse(effect));
            if (rule.kind() == PolicyRule.Kind.USER && security != null && security.users().find(subject).isEmpty()) {
                throw new IllegalArgumentException("no user named '" + subject + "'");
            }
            return rule;
        } catch (IllegalArgumentException e) {
            throw new BadRequestResponse(e.getMessage());
        }
    }

    private void audit(Context ctx, String action, PolicyRule rule) {
        if (security == null) return;
        security.audit().append(new AuditEvent(RequestContext.requestId(ctx), RequestContext.principalName(ctx), action,
                rule.pattern(), "success", Map.of("kind", rule.kind().id(), "subject", rule.subject(),
                        "effect", rule.effect().id())));
    }
}
