package dev.bastion.cli;

import dev.bastion.security.BastionHome;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --home}, defaulting to {@code $BASTION_HOME} or {@code ~/.bastion}. */
public final class HomeOption {

    @Option(names = "--home", paramLabel = "DIR", description = "Bastion home directory (default: $BASTION_HOME or ~/.bastion)")
    Path home;

    Path resolve() {
        return home != null ? home.toAbsolutePath() : BastionHome.resolve();
    }

    SecurityServices open() {
        return SecurityServices.open(resolve(), System.getenv());
    }

    /** Who did it, for the audit log: the operating-system user running the CLI. */
    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }
}
