package dev.bastion.cli;

import dev.bastion.registry.signing.SignatureGuard;
import dev.bastion.registry.signing.SignaturePolicy;
import dev.bastion.registry.signing.TrustStore;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;

/** The signature policy of a home as the CLI applies it (pull, import, verify, show). */
final class Signing {

    private Signing() {}

    static SignaturePolicy policy(HomeOption home) {
        return SignaturePolicy.fromEnvironment(home.environment);
    }

    static SignatureGuard guard(HomeOption home, ModelStore store) {
        SignaturePolicy policy = policy(home); // an invalid value fails before the database is opened
        SecurityServices services = home.openSecurity();
        return new SignatureGuard(store, new TrustStore(services.database()), services.audit(), policy);
    }

    /** Under {@code enforce}, an import is refused (and audited) before anything is read. */
    static void refuseImportUnderEnforce(HomeOption home, ModelStore store, String model) throws Exception {
        if (policy(home) == SignaturePolicy.ENFORCE) guard(home, store).checkImport(model, HomeOption.actor());
    }
}
