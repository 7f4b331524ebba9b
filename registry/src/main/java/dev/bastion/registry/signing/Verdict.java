package dev.bastion.registry.signing;

/**
 * What checking a model's signature found.
 *
 * @param signer the trust store's name of the key that verified, or null
 * @param keyId the envelope's key id (sha256 of the public key, hex), or null when there is no readable signature
 * @param message one line for people and the audit log; names no server path
 */
public record Verdict(Status status, String signer, String keyId, String message) {

    public enum Status {
        /** Signed by a trusted key over exactly this manifest. */
        VERIFIED,
        /** No signature is stored or served with the model. */
        UNSIGNED,
        /** A well-formed signature by a key that is not in the trust store. */
        UNTRUSTED,
        /** Malformed, wrong payload type, or a signature that does not verify (forged or corrupted). */
        INVALID,
        /** A valid trusted signature over another manifest (a swapped manifest, or an old signature replayed). */
        MISMATCH
    }

    public boolean verified() {
        return status == Status.VERIFIED;
    }

    static Verdict unsigned() {
        return new Verdict(Status.UNSIGNED, null, null, "the model is not signed");
    }
}
