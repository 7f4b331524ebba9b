package dev.bastion.cli;

import dev.bastion.store.ModelStore;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Mixin for commands that use the model store: {@code --home}, else {@code $BASTION_HOME}, else {@code ~/.bastion}. */
public final class StoreOptions {

    @Option(names = "--home", paramLabel = "DIR", description = "Store directory (default: $BASTION_HOME, else ~/.bastion).")
    Path home;

    /** The environment the home is resolved from; replaced in tests. */
    Map<String, String> environment = System.getenv();

    public Path resolveHome() {
        if (home != null) return home;
        String fromEnvironment = environment.get("BASTION_HOME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) return Path.of(fromEnvironment);
        return Path.of(System.getProperty("user.home"), ".bastion");
    }

    public ModelStore open() throws IOException {
        return new ModelStore(resolveHome());
    }
}
