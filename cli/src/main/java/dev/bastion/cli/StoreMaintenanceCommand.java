package dev.bastion.cli;

import dev.bastion.store.ModelStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bastion store gc} and {@code bastion store verify}. */
@Command(name = "store", description = "Maintain the model store.", mixinStandardHelpOptions = true,
        subcommands = {StoreMaintenanceCommand.Gc.class, StoreMaintenanceCommand.Verify.class})
public final class StoreMaintenanceCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Remove blobs no model references and temp files left by interrupted imports; exit 1 if a manifest is unreadable.")
    static final class Gc extends StoreCommand {

        @Override
        int run(ModelStore store) throws Exception {
            // Opening the store already swept, unless another writer was busy: what it removed is reported too.
            ModelStore.Garbage garbage = store.removedAtOpen().then(store.collectGarbage());
            garbage.files().forEach(file -> out().println("removed " + file));
            out().println(garbage.files().isEmpty() ? "nothing to remove"
                    : "removed " + garbage.files().size() + " files, " + Formats.size(garbage.bytes()));
            if (garbage.keptBecause() == null) return 0;
            err().println("kept every blob: " + garbage.keptBecause() + " (see bastion store verify)");
            return 1;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-hash every blob against its digest and check every manifest's blobs exist; exit 1 on any problem.")
    static final class Verify extends StoreCommand {

        @Override
        int run(ModelStore store) throws Exception {
            ModelStore.Verification verification = store.verify();
            String checked = verification.manifests() + " manifests, " + verification.blobs() + " blobs";
            if (verification.problems().isEmpty()) {
                out().println("ok: " + checked + " verified");
                return 0;
            }
            verification.problems().forEach(problem -> out().println(problem));
            out().println(verification.problems().size() + " problems in " + checked);
            return 1;
        }
    }
}
