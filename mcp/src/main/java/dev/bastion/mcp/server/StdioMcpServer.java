package dev.bastion.mcp.server;

import dev.bastion.mcp.ToolUser;
import dev.bastion.security.RequestIds;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import reactor.core.publisher.Mono;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * MCP over stdio for desktop clients ({@code bastion mcp serve}): one session, acting as one user for its whole life,
 * the same handlers (and so the same policy, limits and audit) as over HTTP. Each message gets its own request id.
 * Only JSON-RPC goes to {@code out}: logs must go to stderr.
 */
public final class StdioMcpServer {

    /** Lines (messages) longer than this end the session. */
    static final int MAX_MESSAGE_BYTES = 4 << 20;

    private final McpProtocol protocol;
    private final ToolUser user;

    public StdioMcpServer(McpProtocol protocol, ToolUser user) {
        this.protocol = protocol;
        this.user = user;
    }

    /** Serves until {@code in} ends (the client closed the pipe). */
    public void run(InputStream in, OutputStream out) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        StdioServerTransportProvider transport = new StdioServerTransportProvider(protocol.mcpJson(), in, out,
                MAX_MESSAGE_BYTES);
        transport.setSessionFactory(t -> new UserSession(t, () -> Mono.fromRunnable(closed::countDown)));
        closed.await();
    }

    /** Tags every incoming message with this server's user, a fresh request id and the JSON-RPC id. */
    private final class UserSession extends McpServerSession {

        UserSession(McpServerTransport transport, java.util.function.Supplier<Mono<Void>> onClose) {
            super(UUID.randomUUID().toString(), Duration.ofMinutes(10), transport,
                    request -> Mono.fromSupplier(() -> protocol.initialize(request)), protocol.requestHandlers(),
                    protocol.notificationHandlers(), onClose);
        }

        @Override
        public Mono<Void> handle(McpSchema.JSONRPCMessage message) {
            Object rpcId = message instanceof McpSchema.JSONRPCRequest request ? request.id() : null;
            McpTransportContext context = new McpCaller(user, RequestIds.generate(), rpcId, "stdio").context();
            return super.handle(message).contextWrite(c -> c.put(McpTransportContext.KEY, context));
        }
    }
}
