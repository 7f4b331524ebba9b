package dev.bastion.mcp.upstream;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Wraps a transport to learn the JSON-RPC id of each {@code tools/call} (by the progress token Bastion puts in its
 * {@code _meta}), so a cancelled call can be named in {@code notifications/cancelled}: the SDK's client only stops
 * waiting, it does not tell the server.
 */
final class CancellingTransport implements McpClientTransport {

    private final McpClientTransport delegate;
    private final Map<Object, Object> requestIdByToken = new ConcurrentHashMap<>();

    CancellingTransport(McpClientTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        return delegate.connect(handler);
    }

    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCRequest request
                && McpSchema.METHOD_TOOLS_CALL.equals(request.method())
                && request.params() instanceof McpSchema.CallToolRequest call
                && call.meta() != null && call.meta().get("progressToken") != null) {
            requestIdByToken.put(call.meta().get("progressToken"), request.id());
        }
        return delegate.sendMessage(message);
    }

    /** Tells the upstream to stop the call made with this progress token; a no-op once the call has been forgotten. */
    void cancel(Object progressToken, String reason) {
        Object requestId = requestIdByToken.remove(progressToken);
        if (requestId == null) return;
        delegate.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION,
                "notifications/cancelled", Map.of("requestId", requestId, "reason", reason)))
                .onErrorComplete().subscribe();
    }

    void forget(Object progressToken) {
        requestIdByToken.remove(progressToken);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        delegate.setExceptionHandler(handler);
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return delegate.unmarshalFrom(data, typeRef);
    }
}
