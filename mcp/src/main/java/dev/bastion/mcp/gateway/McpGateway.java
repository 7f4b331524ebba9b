package dev.bastion.mcp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolNames;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSources;
import dev.bastion.mcp.ToolSpec;
import dev.bastion.mcp.ToolUser;
import dev.bastion.credits.Credits;
import dev.bastion.credits.InsufficientCreditsException;
import dev.bastion.credits.Reservation;
import dev.bastion.mcp.policy.ToolPolicy;
import dev.bastion.mcp.policy.ToolPolicyStore;
import dev.bastion.security.AuditLog;
import dev.bastion.security.SlidingWindowRateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one door to every {@link ToolSource}, whatever the transport (MCP over HTTP or stdio, the chat path): lists
 * what a user's policy allows, and runs a call only after the rate limit, the name (matched after
 * {@link ToolNames#parse}, so look-alikes are unknown tools), the policy and the argument caps pass, under a
 * wall-clock timeout. Every call and every refusal is one record in the audit log.
 */
public final class McpGateway implements AutoCloseable {

    /** A tool as a user sees it: its full name and its spec. */
    public record ListedTool(String fullName, ToolSpec spec) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(McpGateway.class);
    private static final long CANCEL_POLL_MILLIS = 25;

    private final ToolSources sources;
    private final ToolPolicyStore policy;
    private final GatewayAudit audit;
    private final SlidingWindowRateLimiter limiter;
    private final GatewaySettings settings;
    private final Credits credits;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    public McpGateway(ToolSources sources, ToolPolicyStore policy, AuditLog audit, SlidingWindowRateLimiter limiter,
                      GatewaySettings settings) {
        this(sources, policy, audit, limiter, settings, null);
    }

    /** @param credits where tool calls are charged their per-call price; null: calls are free */
    public McpGateway(ToolSources sources, ToolPolicyStore policy, AuditLog audit, SlidingWindowRateLimiter limiter,
                      GatewaySettings settings, Credits credits) {
        this.credits = credits;
        this.sources = sources;
        this.policy = policy;
        this.audit = new GatewayAudit(audit);
        this.limiter = limiter;
        this.settings = settings;
    }

    public ToolSources sources() {
        return sources;
    }

    public ToolPolicyStore policy() {
        return policy;
    }

    /** The tools {@code user} may call, in namespace order; a source that fails to list is left out. */
    public List<ListedTool> list(ToolUser user) {
        ToolPolicy rules = ToolPolicy.forUser(user, policy.list());
        List<ListedTool> visible = new ArrayList<>();
        for (ToolSource source : sources.all()) {
            List<ToolSpec> tools;
            try {
                tools = source.tools(user);
            } catch (RuntimeException e) {
                LOG.warn("tool source '{}' could not list its tools: {}", source.namespace(), e.toString());
                continue;
            }
            for (ToolSpec spec : tools) {
                Optional<ToolNames.Parsed> parsed = ToolNames.parse(ToolNames.full(source.namespace(), spec.name()));
                if (parsed.isPresent() && rules.allows(parsed.get().full())) {
                    visible.add(new ListedTool(parsed.get().full(), spec));
                }
            }
        }
        return visible;
    }

    /**
     * Runs one call for {@code user}. A refusal before the tool runs is a {@link ToolRefusal}; a failing, timed out
     * or cancelled call is a result with {@code isError} set.
     */
    public ToolResult call(ToolUser user, String name, JsonNode arguments, CallContext context) throws ToolRefusal {
        long started = System.nanoTime();
        if (settings.callsPerWindow() > 0 && !limiter.tryAcquire("tool:" + user.userId(), settings.callsPerWindow(),
                settings.window()).allowed()) {
            throw refuse(user, context, name, null, started,
                    new ToolRefusal(ToolRefusal.Reason.RATE_LIMITED, "tool call rate limit exceeded, retry later"));
        }
        Resolved tool = resolve(user, name).orElse(null);
        if (tool == null) throw refuse(user, context, name, null, started, ToolRefusal.unknownTool(name));
        ToolArguments.Checked checked;
        try {
            checked = ToolArguments.check(arguments, settings.maxArgumentBytes(), settings.maxArgumentDepth());
        } catch (ToolArguments.Invalid e) {
            throw refuse(user, context, tool.fullName(), null, started,
                    new ToolRefusal(ToolRefusal.Reason.INVALID_ARGUMENTS, e.getMessage()));
        }
        try {
            audit.requireWritable();
        } catch (AuditLog.AuditUnavailableException e) {
            throw new ToolRefusal(ToolRefusal.Reason.AUDIT_UNAVAILABLE, "the audit log cannot be written; no tool runs");
        }
        Reservation charge = null;
        if (credits != null && credits.charges(user.role())) {
            try {
                charge = credits.reserveToolCall(user.userId(), user.name(), tool.fullName(), context.requestId());
            } catch (InsufficientCreditsException e) {
                throw refuse(user, context, tool.fullName(), checked.sha256(), started,
                        new ToolRefusal(ToolRefusal.Reason.INSUFFICIENT_CREDITS, e.getMessage()));
            }
        }
        ToolInvocation invocation = new ToolInvocation(user, tool.parsed().tool(), checked.arguments(),
                context.requestId(), context.progress(), context.cancel());
        Run run;
        try {
            run = execute(tool.source(), invocation);
        } finally {
            if (charge != null) credits.settleToolCall(charge, context.requestId()); // it ran: its result may be an error
        }
        audit.record(user, context, tool.fullName(), run.outcome(), checked.sha256(), millisSince(started), null);
        return run.result();
    }

    private record Resolved(ToolNames.Parsed parsed, ToolSource source) {
        String fullName() {
            return parsed.full();
        }
    }

    /** The tool behind a client-given name, if it exists, is offered to this user now and their policy allows it. */
    private Optional<Resolved> resolve(ToolUser user, String name) {
        Optional<ToolNames.Parsed> parsed = ToolNames.parse(name);
        if (parsed.isEmpty()) return Optional.empty();
        Optional<ToolSource> source = sources.find(parsed.get().namespace());
        if (source.isEmpty()) return Optional.empty();
        if (!ToolPolicy.forUser(user, policy.list()).allows(parsed.get().full())) return Optional.empty();
        boolean offered;
        try {
            offered = source.get().tools(user).stream().anyMatch(t -> t.name().equals(parsed.get().tool()));
        } catch (RuntimeException e) {
            offered = false;
        }
        return offered ? Optional.of(new Resolved(parsed.get(), source.get())) : Optional.empty();
    }

    private record Run(ToolResult result, String outcome) {
    }

    /** Runs the call on its own thread; the caller's thread waits for it, the timeout or a cancellation. */
    private Run execute(ToolSource source, ToolInvocation invocation) {
        Future<ToolResult> future = calls.submit(() -> source.call(invocation));
        long deadline = System.nanoTime() + settings.callTimeout().toNanos();
        try {
            while (true) {
                if (invocation.cancel().isCancelled()) {
                    future.cancel(true);
                    return new Run(ToolResult.error("the tool call was cancelled"), "cancelled");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    invocation.cancel().cancel();
                    future.cancel(true);
                    return new Run(ToolResult.error("the tool call timed out after "
                            + settings.callTimeout().toSeconds() + " s"), "timeout");
                }
                try {
                    ToolResult result = future.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(CANCEL_POLL_MILLIS)),
                            TimeUnit.NANOSECONDS);
                    // A source that honours the token returns once cancelled: the call still ends as cancelled.
                    if (invocation.cancel().isCancelled()) {
                        return new Run(ToolResult.error("the tool call was cancelled"), "cancelled");
                    }
                    if (result == null) return new Run(ToolResult.error("the tool gave no result"), "failure");
                    return new Run(result, result.isError() ? "error" : "success");
                } catch (TimeoutException stillRunning) {
                    // poll the token and the deadline again
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ToolException failed) {
                return new Run(ToolResult.error(failed.getMessage()), "failure");
            }
            LOG.error("tool {} failed", invocation.tool(), e.getCause());
            return new Run(ToolResult.error("the tool failed"), "failure");
        } catch (InterruptedException e) {
            invocation.cancel().cancel();
            future.cancel(true);
            Thread.currentThread().interrupt();
            return new Run(ToolResult.error("the tool call was cancelled"), "cancelled");
        }
    }

    private ToolRefusal refuse(ToolUser user, CallContext context, String name, String sha256, long started,
                               ToolRefusal refusal) {
        try {
            audit.record(user, context, name, refusal.reason().outcome, sha256, millisSince(started), refusal.reason().name().toLowerCase());
        } catch (AuditLog.AuditUnavailableException e) {
            // already logged; the refusal stands either way
        }
        return refusal;
    }

    private static long millisSince(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }
}
