package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ProgressSink;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.gateway.CallContext;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.gateway.ToolRefusal;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpNotificationHandler;
import io.modelcontextprotocol.server.McpRequestHandler;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.ProtocolVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The MCP methods Bastion answers, on the SDK's session and JSON-RPC machinery, for both transports: initialize, ping,
 * {@code tools/list} (what the caller's policy allows) and {@code tools/call} (through the {@link McpGateway}), plus
 * the {@code notifications/cancelled} that stop a running call. The SDK's own server is not used because its tool
 * registry is global: here every list and call is the caller's.
 */
public final class McpProtocol {

    /** Newest first; the SDK speaks these. */
    static final List<String> VERSIONS = List.of(ProtocolVersions.MCP_2025_11_25, ProtocolVersions.MCP_2025_06_18,
            ProtocolVersions.MCP_2025_03_26, ProtocolVersions.MCP_2024_11_05);
    static final int RATE_LIMITED = -32029;
    private static final Logger LOG = LoggerFactory.getLogger(McpProtocol.class);

    private final McpGateway gateway;
    private final ObjectMapper json;
    private final McpJsonMapper mcpJson;
    private final String version;
    /** Running calls by session and JSON-RPC id, so a cancellation finds its call. */
    private final Map<String, CancellationToken> running = new ConcurrentHashMap<>();
    /** Tool calls block: they run off the transports' threads, which must stay free to read a cancellation. */
    private final Scheduler calls = Schedulers.fromExecutorService(Executors.newVirtualThreadPerTaskExecutor(), "mcp-calls");

    public McpProtocol(McpGateway gateway, ObjectMapper json, String version) {
        this.gateway = gateway;
        this.json = json;
        this.mcpJson = new JacksonMcpJsonMapper(json);
        this.version = version;
    }

    public McpJsonMapper mcpJson() {
        return mcpJson;
    }

    ObjectMapper json() {
        return json;
    }

    McpSchema.InitializeResult initialize(McpSchema.InitializeRequest request) {
        String agreed = VERSIONS.contains(request.protocolVersion()) ? request.protocolVersion() : VERSIONS.getFirst();
        return new McpSchema.InitializeResult(agreed, McpSchema.ServerCapabilities.builder().tools(false).build(),
                new McpSchema.Implementation("bastion", version),
                "Bastion's MCP gateway: the tools your policy allows, named namespace__tool.");
    }

    public Map<String, McpRequestHandler<?>> requestHandlers() {
        McpRequestHandler<Object> ping = (exchange, params) -> Mono.just(Map.of());
        McpRequestHandler<JsonNode> list = (exchange, params) -> Mono.fromCallable(() -> listTools(exchange))
                .onErrorMap(McpProtocol::opaque);
        McpRequestHandler<JsonNode> call = (exchange, params) ->
                Mono.fromCallable(() -> callTool(exchange, params)).subscribeOn(calls).onErrorMap(McpProtocol::opaque);
        return Map.of(McpSchema.METHOD_PING, ping, McpSchema.METHOD_TOOLS_LIST, list, McpSchema.METHOD_TOOLS_CALL, call);
    }

    public Map<String, McpNotificationHandler> notificationHandlers() {
        return Map.of(
                McpSchema.METHOD_NOTIFICATION_INITIALIZED, (exchange, params) -> Mono.empty(),
                "notifications/cancelled", (exchange, params) -> Mono.fromRunnable(() -> cancel(exchange, params)));
    }

    private JsonNode listTools(McpAsyncServerExchange exchange) {
        McpCaller caller = caller(exchange);
        ObjectNode result = json.createObjectNode();
        ArrayNode tools = result.putArray("tools");
        for (McpGateway.ListedTool tool : gateway.list(caller.user())) {
            ObjectNode entry = tools.addObject();
            entry.put("name", tool.fullName());
            if (tool.spec().description() != null) entry.put("description", tool.spec().description());
            entry.set("inputSchema", tool.spec().inputSchema() != null ? tool.spec().inputSchema()
                    : json.createObjectNode().put("type", "object"));
            if (tool.spec().annotations() != null) entry.set("annotations", tool.spec().annotations());
        }
        return result;
    }

    private JsonNode callTool(McpAsyncServerExchange exchange, Object params) {
        McpCaller caller = caller(exchange);
        JsonNode request = json.valueToTree(params);
        String name = request.path("name").isTextual() ? request.path("name").asText() : null;
        JsonNode progressToken = request.path("_meta").path("progressToken");
        ProgressSink progress = progressToken.isMissingNode() || progressToken.isNull() ? ProgressSink.NONE
                : (done, total, message) -> sendProgress(exchange, progressToken, done, total, message);
        CancellationToken cancel = new CancellationToken();
        String key = runningKey(exchange.sessionId(), caller.rpcId());
        if (key != null) running.put(key, cancel);
        try {
            ToolResult result = gateway.call(caller.user(), name, request.get("arguments"),
                    new CallContext(caller.requestId(), caller.transport(), progress, cancel));
            ObjectNode reply = json.createObjectNode();
            reply.putArray("content").addAll(result.content());
            if (result.structuredContent() != null) reply.set("structuredContent", result.structuredContent());
            reply.put("isError", result.isError());
            return reply;
        } catch (ToolRefusal refusal) {
            int code = switch (refusal.reason()) {
                case RATE_LIMITED -> RATE_LIMITED;
                case AUDIT_UNAVAILABLE -> McpSchema.ErrorCodes.INTERNAL_ERROR;
                default -> McpSchema.ErrorCodes.INVALID_PARAMS;
            };
            throw McpError.builder(code).message(refusal.getMessage()).build();
        } finally {
            if (key != null) running.remove(key, cancel);
        }
    }

    private void sendProgress(McpAsyncServerExchange exchange, JsonNode token, double done, Double total, String message) {
        Object tokenValue = token.isNumber() ? token.numberValue() : token.asText();
        try {
            exchange.progressNotification(new McpSchema.ProgressNotification(tokenValue, done, total, message)).block();
        } catch (RuntimeException e) {
            LOG.debug("progress notification not delivered: {}", e.toString());
        }
    }

    private void cancel(McpAsyncServerExchange exchange, Object params) {
        JsonNode notification = json.valueToTree(params);
        JsonNode requestId = notification.path("requestId");
        if (requestId.isMissingNode() || requestId.isNull()) return;
        String key = runningKey(exchange.sessionId(), requestId.isNumber() ? requestId.numberValue() : requestId.asText());
        CancellationToken token = key == null ? null : running.get(key);
        if (token != null) token.cancel();
    }

    /** JSON-RPC ids compare by value: 7 and 7L are one id, "7" another. */
    private static String runningKey(String sessionId, Object rpcId) {
        if (sessionId == null || rpcId == null) return null;
        String id = rpcId instanceof Number n ? "n:" + n.longValue() : "s:" + rpcId;
        return sessionId + "/" + id;
    }

    /** Our own errors pass; anything else is logged here and reaches the client as a bare internal error (no paths). */
    private static Throwable opaque(Throwable e) {
        if (e instanceof McpError) return e;
        LOG.error("MCP request failed", e);
        return McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("internal error").build();
    }

    private static McpCaller caller(McpAsyncServerExchange exchange) {
        McpCaller caller = McpCaller.of(exchange.transportContext());
        if (caller == null) throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("no caller").build();
        return caller;
    }

    public void close() {
        calls.dispose();
    }
}
