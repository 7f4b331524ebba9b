package dev.bastion.cli;

import dev.bastion.mcp.upstream.UpstreamRegistry;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code bastion mcp rm NAME}: unregisters an upstream; a running server stops it within seconds. */
@Command(name = "rm", description = "Remove an upstream MCP server.")
final class McpRemoveCommand extends SecurityCommand {

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int run() {
        SecurityServices services = home.openSecurity();
        if (!new UpstreamRegistry(services.database(), services.secrets()).remove(name)) {
            throw new IllegalArgumentException("no upstream named " + name);
        }
        audit(services, "mcp.upstream.remove", name, Map.of());
        out().println("removed upstream " + name);
        return 0;
    }
}
