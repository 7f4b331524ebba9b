package dev.bastion.cli;

import dev.bastion.registry.signing.Ed25519Keys;
import dev.bastion.registry.signing.SigningKeys;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.Map;

/** {@code bastion keys signing create|list|export}: this server's Ed25519 model signing keys. */
@Command(name = "signing", description = "Manage Ed25519 model signing keys (private keys sealed with the server secret).",
        mixinStandardHelpOptions = true,
        subcommands = {SigningKeysCommand.Create.class, SigningKeysCommand.List.class, SigningKeysCommand.Export.class})
public final class SigningKeysCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static SigningKeys keys(SecurityServices services) {
        return new SigningKeys(services.database(), services.secrets());
    }

    @Command(name = "create", description = "Create a signing key; its private key never leaves the server.")
    static final class Create extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            SecurityServices services = home.openSecurity();
            SigningKeys.Info info = keys(services).create(name, HomeOption.actor(), Instant.now());
            audit(services, "signing_key.create", name, Map.of("key_id", info.keyId()));
            out().println("created signing key " + name + " (key id " + info.keyId() + ")");
            out().println("publish its public key with: bastion keys signing export " + name);
            return 0;
        }
    }

    @Command(name = "list", description = "List signing keys and their key ids.")
    static final class List extends SecurityCommand {
        @Override
        int run() {
            java.util.List<SigningKeys.Info> all = keys(home.openSecurity()).list();
            if (all.isEmpty()) {
                out().println("no signing keys (bastion keys signing create NAME)");
                return 0;
            }
            out().printf("%-24s %-64s %s%n", "NAME", "KEY ID", "CREATED");
            for (SigningKeys.Info i : all) out().printf("%-24s %-64s %s%n", i.name(), i.keyId(), i.createdAt());
            return 0;
        }
    }

    @Command(name = "export", description = "Print a signing key's public key (PEM), for others' 'bastion trust add'.")
    static final class Export extends SecurityCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            SigningKeys.Info info = keys(home.openSecurity()).find(name)
                    .orElseThrow(() -> new IllegalArgumentException("no signing key named '" + name + "'"));
            out().print(Ed25519Keys.toPem(info.publicKey()));
            return 0;
        }
    }
}
