package dev.bastion.cli;

import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code bastion users create|list|disable|enable}. */
@Command(name = "users", description = "Manage users.", mixinStandardHelpOptions = true,
        subcommands = {UsersCommand.Create.class, UsersCommand.List.class, UsersCommand.Disable.class,
                UsersCommand.Enable.class})
public final class UsersCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", description = "Create a user.")
    static final class Create extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--role", defaultValue = "user", description = "admin or user (default: ${DEFAULT-VALUE})")
        String role;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            User user = services.users().create(name, Role.parse(role));
            audit(services, "user.create", user.name(), Map.of());
            out().println("created user " + user.name() + " (" + user.role() + ")");
            return 0;
        }
    }

    @Command(name = "list", description = "List users.")
    static final class List extends SecurityCommand {

        @Override
        int run() {
            // Read before printing, so a failure leaves stdout empty rather than a bare header.
            java.util.List<User> users = home.openSecurity().users().list();
            out().printf("%-24s %-6s %-9s %s%n", "NAME", "ROLE", "STATUS", "CREATED");
            for (User user : users) {
                out().printf("%-24s %-6s %-9s %s%n", user.name(), user.role(), user.disabled() ? "disabled" : "active",
                        user.createdAt());
            }
            return 0;
        }
    }

    @Command(name = "disable", description = "Disable a user; all of its keys stop working at once.")
    static final class Disable extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            services.users().disable(name);
            audit(services, "user.disable", name, Map.of());
            out().println("disabled user " + name);
            return 0;
        }
    }

    @Command(name = "enable", description = "Re-enable a disabled user; its keys that are not revoked or expired work again.")
    static final class Enable extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            services.users().enable(name);
            long activeKeys = services.keys().activeKeyCount(name);
            audit(services, "user.enable", name, Map.of("active_keys", Long.toString(activeKeys)));
            out().println("enabled user " + name + "; " + activeKeys + " active key(s) work again"
                    + (activeKeys == 0 ? "" : " (revoke any that may have leaked: bastion keys revoke PREFIX)"));
            return 0;
        }
    }
}
