package dev.bastion.cli;

import dev.bastion.api.Caller;
import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.credits.Credits;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.mcp.server.ChatToolGateway;
import dev.bastion.mcp.upstream.Upstreams;
import dev.bastion.security.Principal;
import dev.bastion.security.RequestIds;
import dev.bastion.security.SecurityServices;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bastion run --tools}: the home's gateway in this process (built-in tools and registered upstreams), with the
 * home's policy, limits and audit log, acting as the user of the key in BASTION_API_KEY, as {@code bastion mcp serve}
 * does. Installed through {@code META-INF/services/dev.bastion.cli.ToolGatewayFactory}.
 */
public final class McpToolGatewayFactory implements ToolGatewayFactory {

    private final Map<String, String> env;

    public McpToolGatewayFactory() {
        this(System.getenv());
    }

    McpToolGatewayFactory(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Optional<Session> open(Path home) throws IOException {
        String key = env.get(McpServeCommand.KEY_ENV);
        if (key == null || key.isBlank()) {
            throw new IOException("--tools runs tools as the user of an API key: set " + McpServeCommand.KEY_ENV
                    + " to a key with the tools:use scope");
        }
        McpScopes.define();
        SecurityServices security = SecurityServices.open(home, env);
        Optional<Principal> authenticated = security.keys().authenticate(key.trim()).filter(p -> p.has(McpScopes.TOOLS_USE));
        if (authenticated.isEmpty()) {
            security.close();
            throw new IOException("--tools: " + McpServeCommand.KEY_ENV + " is not a valid key with the tools:use scope");
        }
        Principal principal = authenticated.get();
        Credits credits = Credits.open(security, env);
        McpGateway gateway = McpGateways.create(security, McpGateways.builtIns(security, env), GatewaySettings.fromEnvironment(env),
                credits);
        Upstreams upstreams = Upstreams.open(security, gateway.sources(), env);
        upstreams.start();
        AutoCloseable resources = () -> {
            upstreams.close();
            gateway.close();
            gateway.sources().close();
            credits.close();
            security.close();
        };
        return Optional.of(new Session(new ChatToolGateway(gateway, new Workspaces(home)),
                new Caller(principal.userName(), RequestIds.generate(), principal), resources));
    }
}
