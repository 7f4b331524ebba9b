package dev.bastion.cli;

import dev.bastion.registry.Reference;
import dev.bastion.registry.RegistryClient;
import dev.bastion.registry.RegistryCredentials;
import dev.bastion.registry.RegistryLimits;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code bastion push [--insecure] HOST[:PORT]/NS/MODEL[:TAG]}: sends the store's NS/MODEL:TAG to a registry. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Push the store's model NS/MODEL:TAG to a registry (another Bastion, or any OCI registry).",
                "Credentials: BASTION_REGISTRY_TOKEN, BASTION_REGISTRY_TOKEN_FILE, or BASTION_REGISTRY_USER and _PASSWORD."})
public final class PushCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "HOST/NS/MODEL[:TAG]", description = "Where to push; the local model is NS/MODEL:TAG.")
    String reference;

    @Option(names = "--insecure", description = "Plain HTTP instead of verified TLS; allowed only for a loopback host.")
    boolean insecure;

    @Override
    int run(ModelStore store) throws Exception {
        Reference ref = Reference.parse(reference);
        RegistryClient client = new RegistryClient(RegistryLimits.DEFAULTS, RegistryCredentials.fromEnvironment(home.environment), insecure);
        TransferProgress progress = new TransferProgress(out(), System.console() != null);
        String digest = audited("model.push", ref.toString(), Map.of(), () -> client.push(ref, store, ref.name(), progress));
        out().println("pushed " + ref.name() + " (" + digest + ")");
        return 0;
    }
}
