package dev.bastion.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bastion mcp ...}: the MCP gateway. Each feature adds its subcommands here, one line each. */
@Command(name = "mcp", description = "The MCP gateway: upstream servers, tools, policy.", mixinStandardHelpOptions = true,
        subcommands = {
                McpAddCommand.class, McpListCommand.class, McpRemoveCommand.class,
        })
public final class McpCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
