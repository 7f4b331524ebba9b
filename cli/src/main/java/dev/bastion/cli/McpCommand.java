package dev.bastion.cli;

import dev.bastion.mcp.McpScopes;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bastion mcp ...}: the MCP gateway. Each subcommand is its own class; add yours to {@code subcommands}. */
@Command(name = "mcp", description = "The MCP gateway: serve tools over stdio, tool policy, built-in tools, upstream servers.",
        mixinStandardHelpOptions = true,
        subcommands = {
                McpServeCommand.class,
                McpPolicyCommand.class,
                McpDockerCommand.class,
                McpAllowCommandCommand.class, McpDisallowCommandCommand.class, McpCommandsCommand.class,
                McpAddCommand.class, McpListCommand.class, McpRemoveCommand.class,
        })
public final class McpCommand implements Runnable {

    static {
        // Keys may be issued with tools:use (bastion keys create --scope tools:use) once this command tree exists.
        McpScopes.define();
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
