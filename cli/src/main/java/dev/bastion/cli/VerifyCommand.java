package dev.bastion.cli;

import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.Verdict;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bastion verify MODEL}: re-hashes every blob against the manifest and checks the signature, whatever is cached. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Fully check a stored model: every blob against its manifest digest (ignoring the verified marker), then its",
                "signature against the trust store. Exit code 0 only if both hold."})
public final class VerifyCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Override
    int run(ModelStore store) throws Exception {
        ModelName name = ModelName.parse(model);
        try {
            store.verifyModel(name);
        } catch (dev.bastion.store.InvalidModelException e) {
            out().println("blobs:     FAILED: " + describe(e));
            return 1;
        }
        out().println("blobs:     every blob matches the manifest");
        Verdict verdict = Signing.guard(home, store).verifyNow(name, HomeOption.actor());
        out().println("signature: " + (verdict.verified() ? "" : "FAILED: ") + verdict.message()
                + (verdict.keyId() == null ? "" : " (key id " + verdict.keyId() + ")"));
        return verdict.verified() ? 0 : 1;
    }
}
