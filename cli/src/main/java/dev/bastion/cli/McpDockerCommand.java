package dev.bastion.cli;

import dev.bastion.mcp.builtin.docker.DockerControlGrants;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.Map;

/**
 * {@code bastion mcp docker allow-control|deny-control|list-control}: who may start, stop and restart containers
 * through the docker tool (everyone else only lists, inspects, reads logs and stats).
 */
@Command(name = "docker", description = "The built-in docker tool: per-user control of containers.",
        mixinStandardHelpOptions = true,
        subcommands = {McpDockerCommand.AllowControl.class, McpDockerCommand.DenyControl.class,
                McpDockerCommand.ListControl.class})
public final class McpDockerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static User user(SecurityServices services, String name) {
        return services.users().find(name).orElseThrow(() -> new IllegalArgumentException("no user named '" + name + "'"));
    }

    @Command(name = "allow-control", description = "Let USER start, stop and restart containers (docker__start|stop|restart).")
    static final class AllowControl extends SecurityCommand {
        @Parameters(paramLabel = "USER")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            User user = user(services, name);
            boolean changed = new DockerControlGrants(services.database()).allow(user.id(), HomeOption.actor());
            audit(services, "mcp.docker.allow_control", user.name(), Map.of("changed", Boolean.toString(changed)));
            out().println(changed ? "user " + user.name() + " may now start, stop and restart containers"
                    : "user " + user.name() + " already had docker control");
            return 0;
        }
    }

    @Command(name = "deny-control", description = "Withdraw USER's docker control; the read-only docker tools stay.")
    static final class DenyControl extends SecurityCommand {
        @Parameters(paramLabel = "USER")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            User user = user(services, name);
            boolean changed = new DockerControlGrants(services.database()).deny(user.id());
            audit(services, "mcp.docker.deny_control", user.name(), Map.of("changed", Boolean.toString(changed)));
            out().println(changed ? "user " + user.name() + " may no longer start, stop or restart containers"
                    : "user " + user.name() + " had no docker control");
            return 0;
        }
    }

    @Command(name = "list-control", description = "Users allowed docker control.")
    static final class ListControl extends SecurityCommand {
        @Override
        int run() {
            var grants = new DockerControlGrants(home.openSecurity().database()).list();
            out().printf("%-24s %-24s %s%n", "USER", "GRANTED BY", "GRANTED");
            for (DockerControlGrants.Grant grant : grants) {
                out().printf("%-24s %-24s %s%n", grant.userName(), grant.grantedBy(),
                        Instant.ofEpochMilli(grant.grantedAtMillis()));
            }
            return 0;
        }
    }
}
