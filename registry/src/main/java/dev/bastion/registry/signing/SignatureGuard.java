package dev.bastion.registry.signing;

import dev.bastion.registry.OciManifest;
import dev.bastion.registry.RegistryException;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies {@link SignaturePolicy} wherever a model comes in or is loaded: verifies its signature against the trust store,
 * audits every outcome ({@code model.signature}), logs an unverified model under {@code warn}, and refuses it under
 * {@code enforce} with a 403 that says why.
 */
public final class SignatureGuard {

    private static final Logger LOG = LoggerFactory.getLogger(SignatureGuard.class);
    public static final String AUDIT_ACTION = "model.signature";

    private final ModelStore store;
    private final TrustStore trust;
    private final AuditLog audit;
    private final SignaturePolicy policy;

    public SignatureGuard(ModelStore store, TrustStore trust, AuditLog audit, SignaturePolicy policy) {
        this.store = store;
        this.trust = trust;
        this.audit = audit;
        this.policy = policy;
    }

    /** A refusal under {@code enforce}: HTTP 403. */
    public static final class RefusedException extends RegistryException {
        public RefusedException(String message) {
            super(403, message);
        }
    }

    public SignaturePolicy policy() {
        return policy;
    }

    /** The digest a signature covers: sha256 of the model's canonical OCI manifest bytes (what push sends). */
    public static String manifestDigest(Manifest manifest) {
        return OciManifest.digest(OciManifest.encode(manifest, OciManifest.OCI));
    }

    /**
     * Checks {@code envelope} for {@code model} at {@code phase} (pull, import, load, verify) unless the policy is off
     * (then: empty). Audited as {@code actor}.
     *
     * @throws RefusedException under {@code enforce} when it does not verify
     */
    public Optional<Verdict> check(String phase, String model, String manifestDigest, Optional<byte[]> envelope,
                                   String actor, String requestId) throws RefusedException {
        if (policy == SignaturePolicy.OFF) return Optional.empty();
        Verdict verdict = ModelSignatures.verify(envelope, manifestDigest, trust.trusted());
        record(phase, model, manifestDigest, verdict, actor, requestId);
        if (!verdict.verified()) {
            if (policy == SignaturePolicy.ENFORCE) {
                throw new RefusedException("model '" + model + "' refused (" + SignaturePolicy.ENV + "=enforce): " + verdict.message());
            }
            LOG.warn("model '{}' ({}): {}; taken because {}=warn", model, phase, verdict.message(), SignaturePolicy.ENV);
        }
        return Optional.of(verdict);
    }

    /** Checks a stored model with its stored signature (load and {@code verify}). */
    public Optional<Verdict> checkStored(String phase, ModelName name, String actor, String requestId) throws IOException {
        if (policy == SignaturePolicy.OFF) return Optional.empty();
        Manifest manifest = store.manifest(name).orElseThrow(() -> new dev.bastion.store.ModelNotFoundException(name));
        String digest = manifestDigest(manifest);
        return check(phase, name.toString(), digest, store.signature(digest), actor, requestId);
    }

    /** {@code bastion verify}: checks the stored model's signature whatever the policy, and audits the outcome. */
    public Verdict verifyNow(ModelName name, String actor) throws IOException {
        Manifest manifest = store.manifest(name).orElseThrow(() -> new dev.bastion.store.ModelNotFoundException(name));
        String digest = manifestDigest(manifest);
        Verdict verdict = ModelSignatures.verify(store.signature(digest), digest, trust.trusted());
        record("verify", name.toString(), digest, verdict, actor, null);
        return verdict;
    }

    /** What {@code show} reports: who signed the stored model and whether it verifies now; not audited (a read). */
    public Verdict describe(ModelName name) throws IOException {
        Manifest manifest = store.manifest(name).orElseThrow(() -> new dev.bastion.store.ModelNotFoundException(name));
        String digest = manifestDigest(manifest);
        return ModelSignatures.verify(store.signature(digest), digest, trust.trusted());
    }

    /** Refuses an import of a local model under {@code enforce}: nothing imported here can carry a trusted signature yet. */
    public void checkImport(String model, String actor) throws RefusedException {
        if (policy != SignaturePolicy.ENFORCE) return;
        Verdict verdict = Verdict.unsigned();
        record("import", model, null, verdict, actor, null);
        throw new RefusedException("importing '" + model + "' refused (" + SignaturePolicy.ENV
                + "=enforce): a local import is unsigned; sign it where it is published and pull it from there");
    }

    private void record(String phase, String model, String digest, Verdict verdict, String actor, String requestId) {
        if (audit == null) return;
        Map<String, String> details = new LinkedHashMap<>(ModelSignatures.details(verdict));
        details.put("phase", phase);
        details.put("policy", policy.id());
        if (digest != null) details.put("digest", digest);
        if (verdict.signer() != null) details.put("signer", verdict.signer());
        if (!verdict.verified()) details.put("reason", verdict.message());
        audit.append(new AuditEvent(requestId, actor, AUDIT_ACTION, model, verdict.verified() ? "success" : "failure", details));
    }
}
