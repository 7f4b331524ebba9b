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
public final class HomeOption implements AutoCloseable {

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

    /** Security services (and so database pools) opened for this command; {@link #close()} closes them. */
    private final java.util.List<SecurityServices> opened = new java.util.ArrayList<>();

    /** The home's security services, closed with this option when the command ends (its base class sees to it). */
    synchronized SecurityServices openSecurity() {
        SecurityServices services = SecurityServices.open(resolve(), environment);
        opened.add(services);
        return services;
    }

    /**
     * Closes what the command opened through this option, newest first: a one-shot command against PostgreSQL exits
     * without leaving pooled connections on the server.
     */
    @Override
    public synchronized void close() {
        while (!opened.isEmpty()) opened.removeLast().close();
    }

    /** Who did it, for the audit log: the operating-system user running the CLI. */
    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }
}
