package dev.bastion.mcp.testing;

import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.mcp.server.McpProtocol;
import dev.bastion.mcp.server.McpServerModule;
import dev.bastion.mcp.server.StdioMcpServer;
import dev.bastion.security.Principal;
import dev.bastion.security.SecurityServices;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code bastion mcp serve} does, over the test sources, as a child process for stdio peers:
 * {@code StdioTestServer HOME} with the key in BASTION_API_KEY. Exits 1 on a missing or invalid key.
 */
public final class StdioTestServer {

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        SecurityServices security = SecurityServices.open(home, Map.of());
        String key = System.getenv("BASTION_API_KEY");
        Principal principal = key == null ? null : security.keys().authenticate(key).orElse(null);
        if (principal == null || !principal.has(McpScopes.define())) {
            System.err.println("invalid API key");
            System.exit(1);
        }
        McpGateway gateway = McpGateways.create(security, List.of(new TestSources.Echo("files"), new TestSources.Echo(),
                new TestSources.Slow()), GatewaySettings.defaults());
        McpProtocol protocol = new McpProtocol(gateway, McpServerModule.jsonMapper(), "test");
        new StdioMcpServer(protocol, McpGateways.user(principal, new Workspaces(home))).run(System.in, System.out);
        System.exit(0);
    }
}
