package dev.bastion.cli;

import dev.bastion.mcp.builtin.CommandAllowlist;
import dev.bastion.mcp.builtin.ProcessConfinement;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code bastion mcp commands}: the shell tool's allowlist, and what confines its processes on this machine. */
@Command(name = "commands", description = "List the executables the shell tool may run, and the process limits this machine enforces.")
final class McpCommandsCommand extends SecurityCommand {

    @Override
    int run() {
        List<CommandAllowlist.AllowedCommand> commands = new CommandAllowlist(home.openSecurity().database()).list();
        out().printf("%-32s %-32s %-16s %-24s %s%n", "PATH", "ALLOWED AS", "BY", "SINCE", "DENIED ARGUMENTS");
        for (CommandAllowlist.AllowedCommand command : commands) {
            out().printf("%-32s %-32s %-16s %-24s %s%n", command.path(), command.requestedPath(), command.addedBy(),
                    command.createdAt(), String.join(" ", command.denyArguments()));
        }
        out().println("confinement here: " + ProcessConfinement.detect().describe());
        return 0;
    }
}
