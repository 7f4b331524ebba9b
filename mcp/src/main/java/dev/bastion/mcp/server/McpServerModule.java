package dev.bastion.mcp.server;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.security.Principal;
import dev.bastion.security.SecurityServices;
import io.javalin.config.JavalinConfig;
import io.javalin.http.UnauthorizedResponse;

import java.util.Optional;

/**
 * The MCP gateway in {@code bastion serve}: Streamable HTTP at {@code /mcp} (scope {@code tools:use}), the admin
 * policy routes at {@code /api/mcp/policy}, and the same gateway offered to the chat path.
 */
public final class McpServerModule implements ServerModule {

    /** An MCP message (and so a call's arguments) may not exceed this, whatever the server's general body cap. */
    public static final long MAX_MESSAGE_BYTES = 4L << 20;
    /** JSON nesting the parser accepts; the gateway's own argument cap is lower and refuses with an audit record. */
    static final int MAX_PARSE_DEPTH = 256;

    private final McpGateway gateway;
    private final Workspaces workspaces;
    private final McpProtocol protocol;
    private final StreamableHttpTransport http;
    private final PolicyRoutes policy;

    public McpServerModule(SecurityServices security, McpGateway gateway, String version) {
        this.gateway = gateway;
        this.workspaces = new Workspaces(security.home());
        this.protocol = new McpProtocol(gateway, jsonMapper(), version);
        this.http = new StreamableHttpTransport(protocol, Access.scope(McpScopes.TOOLS_USE), MAX_MESSAGE_BYTES, ctx -> {
            Principal principal = RequestContext.principal(ctx).orElseThrow(() -> new UnauthorizedResponse("no caller"));
            return McpGateways.user(principal, workspaces);
        }, security.audit());
        this.policy = new PolicyRoutes(gateway.policy(), security);
    }

    /** The JSON mapper for MCP messages: bounded nesting, so a deeply nested body fails to parse instead of recursing. */
    public static ObjectMapper jsonMapper() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_PARSE_DEPTH).build());
        return mapper;
    }

    public McpProtocol protocol() {
        return protocol;
    }

    @Override
    public void register(JavalinConfig config) {
        http.register(config);
        policy.register(config);
    }

    @Override
    public Optional<ToolGateway> toolGateway() {
        return Optional.of(new ChatToolGateway(gateway, workspaces));
    }

    @Override
    public void stop() {
        http.close();
        protocol.close();
        gateway.close();
        gateway.sources().close();
    }
}
