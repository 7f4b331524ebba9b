package dev.bastion.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bastion mcp ...}: the MCP gateway's administration; each subcommand is its own class. */
@Command(name = "mcp", description = "The MCP gateway: tools, upstream servers, policy.", mixinStandardHelpOptions = true,
        subcommands = {
                McpAllowCommandCommand.class, McpDisallowCommandCommand.class, McpCommandsCommand.class,
        })
public final class McpCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
