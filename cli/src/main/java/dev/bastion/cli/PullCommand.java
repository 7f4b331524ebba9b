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

/** {@code bastion pull [--insecure] HOST[:PORT]/NS/MODEL[:TAG]}: fetches a model from a registry into the store. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Pull a model from a registry (another Bastion, or any OCI registry) into the store as NS/MODEL:TAG.",
                "Credentials: BASTION_REGISTRY_TOKEN, BASTION_REGISTRY_TOKEN_FILE, or BASTION_REGISTRY_USER and _PASSWORD.",
                "An interrupted pull resumes where it stopped when run again."})
public final class PullCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "HOST/NS/MODEL[:TAG]", description = "What to pull.")
    String reference;

    @Option(names = "--insecure", description = "Plain HTTP instead of verified TLS; allowed only for a loopback host.")
    boolean insecure;

    @Override
    int run(ModelStore store) throws Exception {
        Reference ref = Reference.parse(reference);
        RegistryClient client = new RegistryClient(RegistryLimits.DEFAULTS, RegistryCredentials.fromEnvironment(home.environment), insecure);
        TransferProgress progress = new TransferProgress(out(), System.console() != null);
        String owner = ref.name().namespace().equals(dev.bastion.store.ModelName.DEFAULT_NAMESPACE) ? null : ref.name().namespace();
        dev.bastion.registry.signing.SignatureGuard guard = Signing.guard(home, store);
        RegistryClient.SignatureCheck check = (manifest, digest, signature) ->
                guard.check("pull", ref.name().toString(), digest, signature, HomeOption.actor(), null);
        RegistryClient.Pulled pulled = audited("model.pull", ref.toString(), Map.of(),
                () -> client.pull(ref, store, ref.name(), owner, progress, check));
        out().println("pulled " + ref.name() + " (" + pulled.digest() + ", " + client.bytesFetched() + " bytes fetched)");
        return 0;
    }
}
