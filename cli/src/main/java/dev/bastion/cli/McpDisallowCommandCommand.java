package dev.bastion.cli;

import dev.bastion.mcp.builtin.CommandAllowlist;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code bastion mcp disallow-command PATH}. */
@Command(name = "disallow-command", description = "Remove an executable from the shell tool's allowlist (by its real path or the path it was allowed as).")
final class McpDisallowCommandCommand extends SecurityCommand {

    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run() {
        SecurityServices services = home.openSecurity();
        if (!new CommandAllowlist(services.database()).disallow(path)) {
            throw new IllegalArgumentException(path + " is not on the command allowlist");
        }
        audit(services, "mcp.command.disallow", path, Map.of());
        out().println("disallowed " + path);
        return 0;
    }
}
