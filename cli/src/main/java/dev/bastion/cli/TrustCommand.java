package dev.bastion.cli;

import dev.bastion.registry.signing.TrustStore;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** {@code bastion trust add|list|rm}: the publishers' public keys whose model signatures this server trusts. */
@Command(name = "trust", description = "Manage the public keys whose model signatures are trusted (BASTION_REQUIRE_SIGNED).",
        mixinStandardHelpOptions = true, subcommands = {TrustCommand.Add.class, TrustCommand.List.class, TrustCommand.Remove.class})
public final class TrustCommand implements Runnable {

    private static final int MAX_KEY_FILE = 16 << 10;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "add", description = "Trust the Ed25519 public key in KEYFILE (PEM, as 'keys signing export' prints it) as NAME.")
    static final class Add extends SecurityCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "KEYFILE")
        Path file;

        @Override
        int run() {
            String pem;
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes(MAX_KEY_FILE + 1);
                if (bytes.length > MAX_KEY_FILE) throw new IllegalArgumentException(file + " is too large for a public key");
                pem = new String(bytes, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + file + ": " + StoreCommand.describe(e));
            }
            SecurityServices services = home.openSecurity();
            TrustStore.Entry entry = new TrustStore(services.database()).add(name, pem, HomeOption.actor(), Instant.now());
            audit(services, "trust.add", name, Map.of("key_id", entry.keyId()));
            out().println("trusting " + name + " (key id " + entry.keyId() + ")");
            return 0;
        }
    }

    @Command(name = "list", description = "List trusted keys.")
    static final class List extends SecurityCommand {
        @Override
        int run() {
            java.util.List<TrustStore.Entry> all = new TrustStore(home.openSecurity().database()).list();
            if (all.isEmpty()) {
                out().println("no trusted keys (bastion trust add NAME KEYFILE)");
                return 0;
            }
            out().printf("%-24s %-64s %s%n", "NAME", "KEY ID", "ADDED");
            for (TrustStore.Entry e : all) out().printf("%-24s %-64s %s%n", e.name(), e.keyId(), e.addedAt());
            return 0;
        }
    }

    @Command(name = "rm", description = "Stop trusting a key; takes effect at the next check.")
    static final class Remove extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            if (!new TrustStore(services.database()).remove(name)) throw new IllegalArgumentException("no trusted key named '" + name + "'");
            audit(services, "trust.remove", name, Map.of());
            out().println("no longer trusting " + name);
            return 0;
        }
    }
}
