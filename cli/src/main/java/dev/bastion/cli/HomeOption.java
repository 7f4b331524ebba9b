package dev.bastion.cli;

import dev.bastion.security.BastionHome;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Mixin for every command that works on a Bastion home: {@code --home}, else {@code $BASTION_HOME}, else
 * {@code ~/.bastion}.
 */
public final class HomeOption {

    @Option(names = "--home", paramLabel = "DIR", description = "Bastion home directory (default: $BASTION_HOME, else ~/.bastion).")
    Path home;

    /** The environment the home (and the security settings) are read from; replaced in tests. */
    Map<String, String> environment = System.getenv();

    Path resolve() {
        return home != null ? home.toAbsolutePath() : BastionHome.resolve(environment);
    }

    ModelStore openStore() throws IOException {
        return openStore(false);
    }

    /**
     * The home's store, able to read encrypted models with the models secret; {@code encrypt} (or the home's
     * {@code BASTION_ENCRYPT_MODELS=on}) makes it write encrypted, creating the server secret on a fresh home.
     */
    ModelStore openStore(boolean encrypt) throws IOException {
        Path dir = resolve();
        Map<String, String> env = encrypt ? withEncryption(environment) : environment;
        ModelStore store = new ModelStore(dir, ModelSecret.encryption(dir, env, () -> openSecurity().secrets()));
        return encrypt ? store.encrypting() : store;
    }

    private static Map<String, String> withEncryption(Map<String, String> env) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        copy.put(ModelSecret.ENV_ENCRYPT, "on");
        return copy;
    }

    SecurityServices openSecurity() {
        return SecurityServices.open(resolve(), environment);
    }

    /** Who did it, for the audit log: the operating-system user running the CLI. */
    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }
}
