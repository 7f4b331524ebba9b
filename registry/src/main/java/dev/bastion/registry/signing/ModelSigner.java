package dev.bastion.registry.signing;

import dev.bastion.store.Manifest;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelNotFoundException;
import dev.bastion.store.ModelStore;

import java.io.IOException;
import java.time.Instant;

/** {@code bastion sign}: signs a stored model's manifest digest and keeps the envelope with the model. */
public final class ModelSigner {

    private ModelSigner() {}

    /** What signing produced: the manifest digest signed and the envelope kept. */
    public record Signed(String manifestDigest, String keyId, byte[] envelope) {}

    public static Signed sign(ModelStore store, ModelName name, SigningKeys.Signer key, Instant now) throws IOException {
        Manifest manifest = store.manifest(name).orElseThrow(() -> new ModelNotFoundException(name));
        String digest = SignatureGuard.manifestDigest(manifest);
        byte[] envelope = ModelSignatures.sign(name.toString(), digest, key.privateKey(), key.publicKey(), now);
        store.putSignature(digest, envelope);
        return new Signed(digest, Ed25519Keys.keyId(key.publicKey()), envelope);
    }
}
