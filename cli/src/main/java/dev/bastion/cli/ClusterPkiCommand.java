package dev.bastion.cli;

import dev.bastion.cluster.pki.ClusterCa;
import dev.bastion.security.SecurityServices;

import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Shared by {@code cluster init|join|revoke}: the CA directory, the server secret that seals it, I/O errors as messages. */
abstract class ClusterPkiCommand extends SecurityCommand {

    /** The CA lives beside the server secret that seals its key, in the CA machine's home. */
    Path caDirectory() {
        return home.resolve().resolve(ClusterCa.DEFAULT_DIR);
    }

    ClusterCa openCa(SecurityServices services) {
        return ClusterCa.load(caDirectory(), services.secrets());
    }

    @Override
    final int run() {
        try {
            return execute();
        } catch (UncheckedIOException e) {
            err().println("error: " + e.getMessage());
            return 1;
        }
    }

    abstract int execute();
}
