package dev.bastion.cli;

import dev.bastion.mcp.builtin.CommandAllowlist;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code bastion mcp allow-command PATH}: lets the shell tool run one executable. */
@Command(name = "allow-command", description = {"Let the shell tool (shell__run) run the executable at PATH (absolute).",
        "Symbolic links are resolved now and the real path is stored; calls must name a path that resolves to it.",
        "The program gets its arguments as the model gives them: allow only programs that cannot run others."})
final class McpAllowCommandCommand extends SecurityCommand {

    @Parameters(paramLabel = "PATH")
    String path;

    @picocli.CommandLine.Option(names = "--deny-arg", paramLabel = "RE2",
            description = "Refuse calls with an argument that matches this RE2 pattern in full (repeatable); allowing again replaces the patterns.")
    java.util.List<String> denyArguments = new java.util.ArrayList<>();

    @Override
    int run() {
        SecurityServices services = home.openSecurity();
        CommandAllowlist.AllowedCommand allowed = new CommandAllowlist(services.database())
                .allow(path, denyArguments, HomeOption.actor());
        audit(services, "mcp.command.allow", allowed.path(), Map.of("requested_path", path,
                "deny_args", String.join(" ", allowed.denyArguments())));
        out().println("allowed " + allowed.path() + (allowed.path().equals(path) ? "" : " (" + path + " resolves to it)"));
        return 0;
    }
}
