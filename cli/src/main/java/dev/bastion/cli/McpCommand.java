package dev.bastion.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bastion mcp}: the MCP gateway's administration; each part adds its own subcommand class here. */
@Command(name = "mcp", description = "MCP gateway: tools, upstream servers, policy.", mixinStandardHelpOptions = true,
        subcommands = {McpDockerCommand.class,
                McpAllowCommandCommand.class, McpDisallowCommandCommand.class, McpCommandsCommand.class,
                McpAddCommand.class, McpListCommand.class, McpRemoveCommand.class})
public final class McpCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
