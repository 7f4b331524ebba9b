package dev.bastion.cli;

import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.credits.Credits;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.mcp.server.McpProtocol;
import dev.bastion.mcp.server.McpServerModule;
import dev.bastion.mcp.server.StdioMcpServer;
import dev.bastion.mcp.upstream.Upstreams;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.Principal;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bastion mcp serve}: MCP over stdio for desktop clients, acting as the user of an API key (BASTION_API_KEY or
 * {@code --key-file}) with the {@code tools:use} scope. stdout carries only JSON-RPC; messages go to stderr.
 */
@Command(name = "serve", description = "Serve the gateway's tools over MCP stdio as the user of an API key"
        + " (BASTION_API_KEY or --key-file; the key needs the tools:use scope).")
public final class McpServeCommand extends SecurityCommand {

    static final String KEY_ENV = "BASTION_API_KEY";
    private static final long MAX_KEY_FILE_BYTES = 4096;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding the API key (instead of BASTION_API_KEY).")
    Path keyFile;

    /** The client's pipe; replaced in tests. */
    java.io.InputStream in = System.in;
    java.io.OutputStream out = System.out;

    @Override
    int run() {
        McpScopes.define();
        Optional<String> key = readKey();
        if (key.isEmpty()) {
            err().println("bastion mcp serve: no API key (set " + KEY_ENV + " or use --key-file)");
            return 1;
        }
        SecurityServices services = home.openSecurity();
        Optional<Principal> principal = services.keys().authenticate(key.get());
        if (principal.isEmpty() || !principal.get().has(McpScopes.TOOLS_USE)) {
            services.audit().append(new AuditEvent(null, principal.map(Principal::userName).orElse(null), "auth.failure",
                    "mcp serve", "denied", Map.of("reason", principal.isEmpty() ? "invalid" : "missing tools:use")));
            err().println("bastion mcp serve: " + (principal.isEmpty() ? "invalid API key"
                    : "this API key lacks the scope tools:use"));
            return 1;
        }
        Path homeDir = home.resolve();
        Credits credits = Credits.open(services, home.environment);
        McpGateway gateway = McpGateways.create(services, McpGateways.builtIns(services, home.environment),
                GatewaySettings.fromEnvironment(home.environment), credits);
        McpProtocol protocol = new McpProtocol(gateway, McpServerModule.jsonMapper(), BastionCli.VERSION);
        Upstreams upstreams = Upstreams.open(services, gateway.sources(), home.environment);
        upstreams.start();
        try {
            new StdioMcpServer(protocol, McpGateways.user(principal.get(), new Workspaces(homeDir))).run(in, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            upstreams.close();
            protocol.close();
            gateway.close();
            gateway.sources().close();
            credits.close();
        }
        return 0;
    }

    private Optional<String> readKey() {
        if (keyFile != null) {
            try {
                if (Files.size(keyFile) > MAX_KEY_FILE_BYTES) throw new IllegalArgumentException("the key file is too large");
                return Optional.of(Files.readString(keyFile, StandardCharsets.UTF_8).trim()).filter(k -> !k.isEmpty());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the key file");
            }
        }
        return Optional.ofNullable(home.environment.get(KEY_ENV)).map(String::trim).filter(k -> !k.isEmpty());
    }
}
