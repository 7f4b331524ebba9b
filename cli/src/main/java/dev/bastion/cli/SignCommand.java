package dev.bastion.cli;

import dev.bastion.registry.signing.ModelSigner;
import dev.bastion.registry.signing.SigningKeys;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code bastion sign MODEL [--key NAME]}: signs the model's manifest digest; the envelope travels with push. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Sign a stored model: a DSSE envelope over its manifest digest (which covers every blob), kept with the model",
                "and sent along by 'push'."})
public final class SignCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Option(names = "--key", paramLabel = "NAME", description = "The signing key (default: the only one there is).")
    String key;

    @Override
    int run(ModelStore store) throws Exception {
        ModelName name = ModelName.parse(model);
        SigningKeys keys = SigningKeysCommand.keys(home.openSecurity());
        String keyName = key;
        if (keyName == null) {
            List<SigningKeys.Info> all = keys.list();
            if (all.size() != 1) {
                throw new IllegalArgumentException(all.isEmpty() ? "no signing key: create one with 'bastion keys signing create NAME'"
                        : "there are " + all.size() + " signing keys; name one with --key");
            }
            keyName = all.getFirst().name();
        }
        SigningKeys.Signer signer = keys.signer(keyName);
        ModelSigner.Signed signed = audited("model.sign", name.toString(), Map.of("key", keyName),
                () -> ModelSigner.sign(store, name, signer, Instant.now()));
        out().println("signed " + name + " (" + signed.manifestDigest() + ") with " + keyName + " (key id " + signed.keyId() + ")");
        return 0;
    }
}
