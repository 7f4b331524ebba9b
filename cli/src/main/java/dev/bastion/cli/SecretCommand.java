package dev.bastion.cli;

import dev.bastion.security.SecretBox;
import dev.bastion.store.KeyEncryptionKey;
import dev.bastion.store.ModelStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code bastion secret rotate}: moves encrypted models' data keys to a new secret without rewriting a blob. */
@Command(name = "secret", description = "The secret encrypted models are keyed from.", mixinStandardHelpOptions = true,
        subcommands = {SecretCommand.Rotate.class})
public final class SecretCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "rotate", description = {
            "Re-wrap every encrypted model's data keys under the new secret in the file $" + ModelSecret.ENV_NEW_KEY_FILE
                    + " names (base64 of 32 bytes), then make it the models secret (BASTION_HOME/models.key).",
            "Blobs are not rewritten. The old secret opens every blob until all wraps succeeded; if interrupted, run it again",
            "the same way. Stop the server first."})
    static final class Rotate extends StoreCommand {

        @Override
        int run(ModelStore store) throws Exception {
            Map<String, String> env = home.environment;
            java.nio.file.Path dir = home.resolve();
            Optional<SecretBox> current = ModelSecret.current(dir, env);
            if (current.isEmpty()) throw new IllegalStateException("this home has no server secret yet: nothing is encrypted under one");
            KeyEncryptionKey from = ModelSecret.kek(current.get());
            String newFile = env.get(ModelSecret.ENV_NEW_KEY_FILE);
            boolean installed = newFile != null && !newFile.isBlank()
                    && ModelSecret.kek(new SecretBox(ModelSecret.readNew(env))).id().equals(from.id());
            if (newFile == null || newFile.isBlank() || installed) {
                // finishing: the new secret is in place, the old wraps may remain from an interrupted run
                List<String> missing = audited("secret.rotate.finish", null, Map.of(), () -> store.dropOtherWraps(from));
                if (!missing.isEmpty()) {
                    throw new IllegalStateException(missing.size() + " key file(s) have no wrap under the current secret, e.g. "
                            + missing.getFirst() + "; set " + ModelSecret.ENV_NEW_KEY_FILE + " to rotate");
                }
                out().println("every data key is wrapped under the current secret only (key id " + from.id() + ")");
                return 0;
            }
            byte[] secret = ModelSecret.readNew(env);
            SecretBox next = new SecretBox(secret);
            KeyEncryptionKey to = ModelSecret.kek(next);
            ModelStore.Rewrap rewrap = audited("secret.rotate", null, Map.of("from", from.id(), "to", to.id()), () -> {
                ModelStore.Rewrap done = store.rewrapKeys(from, to); // fails before anything is switched
                ModelSecret.install(dir, secret);
                List<String> missing = store.dropOtherWraps(to);
                if (!missing.isEmpty()) throw new IllegalStateException(missing.size() + " key file(s) could not be re-wrapped");
                return done;
            });
            out().println("re-wrapped " + (rewrap.rewrapped() + rewrap.alreadyDone()) + " data key(s) under the new secret (key id "
                    + to.id() + "); it is now " + dir.resolve(ModelSecret.MODELS_KEY_FILE) + ", the old secret opens nothing");
            return 0;
        }
    }
}
