package dev.bastion.cli;

import dev.bastion.security.ApiKey;
import dev.bastion.security.CreatedKey;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code bastion keys create|list|revoke}. */
@Command(name = "keys", description = "Manage API keys.", mixinStandardHelpOptions = true,
        subcommands = {KeysCommand.Create.class, KeysCommand.List.class, KeysCommand.Revoke.class, SigningKeysCommand.class})
public final class KeysCommand implements Runnable {

    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,6})([dhm])");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code 30d}, {@code 12h}, {@code 90m}, an ISO date ({@code 2027-01-31}, UTC midnight) or an ISO instant. */
    static Instant parseExpiry(String text, Instant now) {
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofMinutes(amount);
            };
            return now.plus(d);
        }
        try {
            return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("invalid --expires '" + text + "' (use e.g. 30d, 12h, 90m or 2027-01-31)");
        }
    }

    @Command(name = "create", description = "Create a key; it is printed once and cannot be shown again.")
    static final class Create extends SecurityCommand {
        @Option(names = "--user", required = true, paramLabel = "NAME")
        String user;
        @Option(names = "--scope", paramLabel = "SCOPE", split = ",",
                description = "models:use, models:manage, tools:use (MCP gateway), admin (repeatable; default models:use)")
        java.util.List<String> scopes;
        @Option(names = "--expires", paramLabel = "WHEN", description = "e.g. 30d, 12h, 2027-01-31 (default: never)")
        String expires;
        @Option(names = "--name", paramLabel = "LABEL")
        String name;

        @Override
        int run() {
            Set<Scope> parsed = new LinkedHashSet<>();
            if (scopes == null || scopes.isEmpty()) {
                parsed.add(Scope.MODELS_USE);
            } else {
                scopes.forEach(s -> parsed.add(Scope.parse(s)));
            }
            Instant expiry = expires == null ? null : parseExpiry(expires, Instant.now());
            SecurityServices services = home.openSecurity();
            CreatedKey created = services.keys().create(user, parsed, expiry, name);
            audit(services, "key.create", created.key().prefix(), Map.of("user", user, "scopes", Scope.format(parsed)));
            out().println(created.secret());
            err().println("Store this key now: it is shown only once. Prefix " + created.key().prefix() + ", user "
                    + user + ", scopes " + Scope.format(parsed) + (expiry == null ? "" : ", expires " + expiry));
            return 0;
        }
    }

    @Command(name = "list", description = "List keys (never their secrets).")
    static final class List extends SecurityCommand {
        @Option(names = "--user", paramLabel = "NAME")
        String user;

        @Override
        int run() {
            // Read before printing, so a failure leaves stdout empty rather than a bare header.
            java.util.List<ApiKey> keys = home.openSecurity().keys().list(user);
            Instant now = Instant.now();
            out().printf("%-8s %-16s %-30s %-8s %-24s %s%n", "PREFIX", "USER", "SCOPES", "STATUS", "EXPIRES", "NAME");
            for (ApiKey key : keys) {
                String status = key.revokedAt() != null ? "revoked" : key.isActive(now) ? "active" : "expired";
                out().printf("%-8s %-16s %-30s %-8s %-24s %s%n", key.prefix(), key.userName(), Scope.format(key.scopes()),
                        status, key.expiresAt() == null ? "never" : key.expiresAt(), key.name() == null ? "" : key.name());
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a key by prefix; takes effect immediately.")
    static final class Revoke extends SecurityCommand {
        @Parameters(paramLabel = "PREFIX")
        String prefix;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            if (!services.keys().revoke(prefix)) {
                err().println("error: no active key with prefix '" + prefix + "'");
                return 1;
            }
            audit(services, "key.revoke", prefix, Map.of());
            out().println("revoked key " + prefix);
            return 0;
        }
    }
}
