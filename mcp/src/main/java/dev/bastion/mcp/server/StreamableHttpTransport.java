package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.mcp.ToolUser;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.DefaultMcpStreamableServerSessionFactory;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * MCP's Streamable HTTP transport on Javalin routes at {@code /mcp}, behind the server's security chain (API key,
 * scope, rate limits, Origin checked against the CORS allowlist, request ids): POST carries one JSON-RPC message; a
 * request is answered as an SSE stream (its progress notifications, then its response); DELETE ends a session. GET
 * (server-initiated streams) is not offered: 405, as the specification allows. A session belongs to the user who
 * initialized it: another user's key gets the same 404 as an unknown session.
 */
final class StreamableHttpTransport {

    static final String PATH = "/mcp";
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String VERSION_HEADER = "MCP-Protocol-Version";
    /** Sessions one user may hold; the oldest is dropped beyond that. */
    static final int MAX_SESSIONS_PER_USER = 32;
    private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);

    private record Owned(McpStreamableServerSession session, long userId, long createdNanos) {
    }

    private final McpProtocol protocol;
    private final Access access;
    private final long maxBodyBytes;
    private final Function<Context, ToolUser> users;
    private final McpStreamableServerSession.Factory sessions;
    private final Map<String, Owned> open = new ConcurrentHashMap<>();
    private final AuditLog audit;

    /** @param audit where refused messages (too large, unparseable) are recorded; null records nothing */
    StreamableHttpTransport(McpProtocol protocol, Access access, long maxBodyBytes, Function<Context, ToolUser> users,
                            AuditLog audit) {
        this.protocol = protocol;
        this.audit = audit;
        this.access = access;
        this.maxBodyBytes = maxBodyBytes;
        this.users = users;
        this.sessions = new DefaultMcpStreamableServerSessionFactory(Duration.ofMinutes(10),
                request -> Mono.fromSupplier(() -> protocol.initialize(request)), protocol.requestHandlers(),
                protocol.notificationHandlers());
    }

    void register(JavalinConfig config) {
        config.routes.post(PATH, this::post, access);
        config.routes.get(PATH, ctx -> {
            ctx.header("Allow", "POST, DELETE");
            ctx.status(405).json(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST, "server-initiated streams are not offered"));
        }, access);
        config.routes.delete(PATH, this::delete, access);
    }

    private void post(Context ctx) throws IOException {
        if (!versionAcceptable(ctx)) return;
        byte[] body = readCapped(ctx.req().getInputStream());
        if (body == null) {
            recordRefusal(ctx, "body_too_large");
            ctx.status(413).json(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST, "request body too large"));
            return;
        }
        McpSchema.JSONRPCMessage message;
        try {
            message = McpSchema.deserializeJsonRpcMessage(protocol.mcpJson(), new String(body, StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            recordRefusal(ctx, "parse_error");
            ctx.status(400).json(rpcError(null, McpSchema.ErrorCodes.PARSE_ERROR, "not a JSON-RPC message"));
            return;
        }
        ToolUser user = users.apply(ctx);
        if (message instanceof McpSchema.JSONRPCRequest request && McpSchema.METHOD_INITIALIZE.equals(request.method())) {
            initialize(ctx, request, user);
            return;
        }
        McpStreamableServerSession session = session(ctx, user);
        if (session == null) return;
        Object rpcId = message instanceof McpSchema.JSONRPCRequest request ? request.id() : null;
        var context = new McpCaller(user, RequestContext.requestId(ctx), rpcId, "http").context();
        switch (message) {
            case McpSchema.JSONRPCRequest request -> stream(ctx, session, request, context);
            case McpSchema.JSONRPCNotification notification -> {
                session.accept(notification).contextWrite(c -> c.put(io.modelcontextprotocol.common.McpTransportContext.KEY, context)).block();
                ctx.status(202);
            }
            case McpSchema.JSONRPCResponse response -> {
                session.accept(response).onErrorComplete().block();
                ctx.status(202);
            }
            default -> ctx.status(400).json(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST, "unknown message"));
        }
    }

    private void initialize(Context ctx, McpSchema.JSONRPCRequest request, ToolUser user) {
        McpSchema.InitializeRequest init;
        try {
            init = protocol.mcpJson().convertValue(request.params(), new TypeRef<McpSchema.InitializeRequest>() { });
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(rpcError(request.id(), McpSchema.ErrorCodes.INVALID_PARAMS, "invalid initialize parameters"));
            return;
        }
        McpStreamableServerSession.McpStreamableServerSessionInit started = sessions.startSession(init);
        McpSchema.InitializeResult result = started.initResult().block();
        dropOldestBeyondLimit(user.userId());
        open.put(started.session().getId(), new Owned(started.session(), user.userId(), System.nanoTime()));
        ctx.header(SESSION_HEADER, started.session().getId());
        ctx.contentType("application/json").result(json(McpSchema.JSONRPCResponse.result(request.id(), result)));
    }

    /** Answers one request as an SSE stream and returns once its response is written. */
    private void stream(Context ctx, McpStreamableServerSession session, McpSchema.JSONRPCRequest request,
                        io.modelcontextprotocol.common.McpTransportContext context) throws IOException {
        ctx.status(200);
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        SseStream sse = new SseStream(out);
        try {
            session.responseStream(request, sse)
                    .contextWrite(c -> c.put(io.modelcontextprotocol.common.McpTransportContext.KEY, context))
                    .block();
        } catch (RuntimeException e) {
            LOG.warn("MCP request {} ended: {}", request.method(), e.toString());
        }
    }

    private void delete(Context ctx) {
        ToolUser user = users.apply(ctx);
        McpStreamableServerSession session = session(ctx, user);
        if (session == null) return;
        open.remove(session.getId());
        session.delete().onErrorComplete().block();
        ctx.status(204);
    }

    /** The caller's own session named by the header, or null after answering 400 or 404. */
    private McpStreamableServerSession session(Context ctx, ToolUser user) {
        String id = ctx.header(SESSION_HEADER);
        if (id == null || id.isBlank()) {
            ctx.status(400).json(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST, "the Mcp-Session-Id header is required"));
            return null;
        }
        Owned owned = open.get(id);
        if (owned == null || owned.userId() != user.userId()) {
            ctx.status(404).json(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST, "session not found"));
            return null;
        }
        return owned.session();
    }

    /** A message refused before any tool is named: one {@code mcp.request} record, the caller and the reason. */
    private void recordRefusal(Context ctx, String reason) {
        if (audit == null) return;
        try {
            audit.append(new AuditEvent(RequestContext.requestId(ctx), RequestContext.principalName(ctx), "mcp.request",
                    "POST " + PATH, "denied", Map.of("reason", reason)));
        } catch (AuditLog.AuditUnavailableException e) {
            LOG.error("cannot audit a refused MCP message: {}", e.getMessage());
        }
    }

    private boolean versionAcceptable(Context ctx) {
        String version = ctx.header(VERSION_HEADER);
        if (version == null || McpProtocol.VERSIONS.contains(version)) return true;
        ctx.status(400).json(rpcError(null, McpSchema.ErrorCodes.INVALID_REQUEST, "unsupported MCP protocol version"));
        return false;
    }

    private void dropOldestBeyondLimit(long userId) {
        var mine = open.entrySet().stream().filter(e -> e.getValue().userId() == userId)
                .sorted(Comparator.comparingLong(e -> e.getValue().createdNanos())).toList();
        for (int i = 0; i <= mine.size() - MAX_SESSIONS_PER_USER; i++) {
            Owned dropped = open.remove(mine.get(i).getKey());
            if (dropped != null) dropped.session().close();
        }
    }

    private byte[] readCapped(InputStream in) throws IOException {
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        return body.length > maxBodyBytes ? null : body;
    }

    private ObjectNode rpcError(Object id, int code, String message) {
        ObjectNode error = protocol.json().createObjectNode();
        error.put("jsonrpc", "2.0");
        error.putPOJO("id", id);
        error.putObject("error").put("code", code).put("message", message);
        return error;
    }

    private String json(Object value) {
        try {
            return protocol.mcpJson().writeValueAsString(value);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void close() {
        open.values().forEach(o -> o.session().close());
        open.clear();
    }

    /** One request's SSE stream: each message is an event, flushed at once so progress arrives while the call runs. */
    private final class SseStream implements McpStreamableServerTransport {
        private final OutputStream out;
        private boolean closed;

        SseStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return sendMessage(message, null);
        }

        @Override
        public synchronized Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
            return Mono.fromRunnable(() -> write(message, messageId));
        }

        private synchronized void write(McpSchema.JSONRPCMessage message, String messageId) {
            if (closed) return;
            StringBuilder event = new StringBuilder();
            if (messageId != null) event.append("id: ").append(messageId).append('\n');
            event.append("event: message\ndata: ").append(json(message)).append("\n\n");
            try {
                out.write(event.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                closed = true;
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return protocol.mcpJson().convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(this::close);
        }

        @Override
        public synchronized void close() {
            closed = true;
        }
    }
}
