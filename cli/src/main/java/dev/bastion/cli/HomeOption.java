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
        return new ModelStore(resolve());
    }

    SecurityServices openSecurity() {
        return SecurityServices.open(resolve(), environment);
    }

    /** Who did it, for the audit log: the operating-system user running the CLI. */
    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }
}
