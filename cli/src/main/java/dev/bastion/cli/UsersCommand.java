package dev.bastion.cli;

import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import dev.bastion.web.PasswordHasher;
import dev.bastion.web.Passwords;
import dev.bastion.web.Sessions;
import dev.bastion.web.account.TwoFactor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code bastion users create|list|disable|enable|passwd|totp-off}. */
@Command(name = "users", description = "Manage users.", mixinStandardHelpOptions = true,
        subcommands = {UsersCommand.Create.class, UsersCommand.List.class, UsersCommand.Disable.class,
                UsersCommand.Enable.class, UsersCommand.Passwd.class, UsersCommand.TotpOff.class})
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
        @Option(names = "--password-stdin", description = "Read the user's web sign-in password from the first line of stdin.")
        boolean passwordStdin;
        InputStream stdin = System.in;

        @Override
        int run() {
            String password = passwordStdin ? readPassword(stdin) : null;
            if (password != null) Passwords.requireAcceptable(password); // before the user exists
            SecurityServices services = home.openSecurity();
            User user = services.users().create(name, Role.parse(role));
            audit(services, "user.create", user.name(), Map.of());
            if (password != null) {
                Passwords.open(services).set(user.name(), password);
                audit(services, "user.password", user.name(), Map.of());
            }
            out().println("created user " + user.name() + " (" + user.role() + ")");
            return 0;
        }
    }

    @Command(name = "passwd", description = {"Set a user's web sign-in password, read from the first line of stdin "
            + "(never an argument, which other local users could see).", "Signs the user out of every web session."})
    static final class Passwd extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;
        InputStream stdin = System.in;

        @Override
        int run() {
            String password = readPassword(stdin);
            Passwords.requireAcceptable(password);
            SecurityServices services = home.openSecurity();
            Passwords.open(services).set(name, password);
            audit(services, "user.password", name, Map.of());
            out().println("set the password of " + name + "; its web sessions were signed out");
            return 0;
        }
    }

    @Command(name = "totp-off", description = {"Turn off a user's two-factor sign-in, for one who lost both the phone "
            + "and the recovery codes.", "Signs the user out of every web session; where BASTION_REQUIRE_2FA names "
            + "their role, they must enrol again before anything else."})
    static final class TotpOff extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            User user = services.users().find(name).orElseThrow(() -> new IllegalArgumentException("no user '" + name + "'"));
            java.time.Clock clock = java.time.Clock.systemUTC();
            TwoFactor twoFactor = new TwoFactor(services.database(), services.secrets(), clock);
            boolean wasOn = twoFactor.isEnabled(user.id());
            twoFactor.disable(user.id());
            new Sessions(services.database(), clock, Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE).revokeAll(user.id());
            audit(services, "user.totp_off", user.name(), Map.of("was_on", Boolean.toString(wasOn)));
            out().println((wasOn ? "turned off the two-factor sign-in of " : "no two-factor sign-in was on for ")
                    + user.name() + "; its web sessions were signed out");
            return 0;
        }
    }

    /** The first line of stdin, without its line ending; bounded so a stream of garbage is not read whole. */
    static String readPassword(InputStream stdin) {
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            char[] buffer = new char[PasswordHasher.MAX_PASSWORD_CHARS + 2];
            int length = 0;
            int c;
            while (length < buffer.length && (c = reader.read()) != -1 && c != '\n') {
                buffer[length++] = (char) c;
            }
            String line = new String(buffer, 0, length);
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isEmpty()) throw new IllegalArgumentException("no password on stdin");
            return line;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the password from stdin");
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
