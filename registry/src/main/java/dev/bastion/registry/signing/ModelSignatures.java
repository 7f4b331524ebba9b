package dev.bastion.registry.signing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Signing and verifying a model's manifest digest: a DSSE envelope whose payload is an in-toto v1 Statement with one
 * subject, the model's name and the {@code sha256} of its canonical OCI manifest bytes (which name every blob's digest).
 */
public final class ModelSignatures {

    public static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
    public static final String PREDICATE_TYPE = "https://bastion.dev/model-signature/v1";
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private ModelSignatures() {}

    /** A public key from the trust store. */
    public record TrustedKey(String name, PublicKey key) {
        public String keyId() {
            return Ed25519Keys.keyId(key);
        }
    }

    /** The envelope's bytes: {@code key} signs {@code manifestDigest} ({@code sha256:<hex>}) of {@code modelName}. */
    public static byte[] sign(String modelName, String manifestDigest, PrivateKey key, PublicKey publicKey, Instant now) {
        if (!DIGEST.matcher(manifestDigest).matches()) throw new IllegalArgumentException("not a sha256 digest: " + manifestDigest);
        ObjectNode statement = Dsse.JSON.createObjectNode();
        statement.put("_type", STATEMENT_TYPE);
        statement.putArray("subject").addObject().put("name", modelName).putObject("digest")
                .put("sha256", manifestDigest.substring("sha256:".length()));
        statement.put("predicateType", PREDICATE_TYPE);
        statement.putObject("predicate").put("signedAt", now.toString());
        byte[] payload;
        try {
            payload = Dsse.JSON.writeValueAsBytes(statement);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] sig = Ed25519Keys.sign(key, Dsse.pae(Dsse.IN_TOTO, payload));
        return new Dsse.Envelope(Dsse.IN_TOTO, payload, List.of(new Dsse.Signature(Ed25519Keys.keyId(publicKey), sig))).encode();
    }

    /**
     * Checks {@code envelope} (absent: unsigned) against {@code manifestDigest} and the trusted keys: the signature is
     * verified over the PAE first, and only a verified payload is read.
     */
    public static Verdict verify(Optional<byte[]> envelope, String manifestDigest, List<TrustedKey> trusted) {
        if (envelope.isEmpty()) return Verdict.unsigned();
        Dsse.Envelope parsed;
        try {
            parsed = Dsse.parse(envelope.get());
        } catch (SignatureException e) {
            return new Verdict(Verdict.Status.INVALID, null, null, e.getMessage());
        }
        String firstKeyId = parsed.signatures().getFirst().keyId();
        if (!Dsse.IN_TOTO.equals(parsed.payloadType())) {
            return new Verdict(Verdict.Status.INVALID, null, firstKeyId, "the signature envelope's payloadType is not " + Dsse.IN_TOTO);
        }
        byte[] pae = Dsse.pae(parsed.payloadType(), parsed.payload());
        TrustedKey signer = null;
        String signerKeyId = firstKeyId;
        boolean trustedButBad = false;
        for (Dsse.Signature s : parsed.signatures()) {
            for (TrustedKey t : trusted) {
                String id = t.keyId();
                if (!s.keyId().isEmpty() && !s.keyId().equals(id)) continue;
                if (Ed25519Keys.verify(t.key(), pae, s.sig())) {
                    signer = t;
                    signerKeyId = id;
                    break;
                }
                if (s.keyId().equals(id)) trustedButBad = true;
            }
            if (signer != null) break;
        }
        if (signer == null) {
            return trustedButBad
                    ? new Verdict(Verdict.Status.INVALID, null, firstKeyId, "the signature does not verify (forged or corrupted)")
                    : new Verdict(Verdict.Status.UNTRUSTED, null, firstKeyId, "signed by a key that is not trusted (key id "
                    + printable(firstKeyId) + ")");
        }
        List<String> subjects;
        try {
            subjects = subjectDigests(parsed.payload());
        } catch (SignatureException e) {
            return new Verdict(Verdict.Status.INVALID, signer.name(), signerKeyId, e.getMessage());
        }
        if (!subjects.contains(manifestDigest)) {
            return new Verdict(Verdict.Status.MISMATCH, signer.name(), signerKeyId, "the signature by '" + signer.name()
                    + "' covers another manifest, not " + manifestDigest + " (swapped or replayed)");
        }
        return new Verdict(Verdict.Status.VERIFIED, signer.name(), signerKeyId, "signed by '" + signer.name() + "' and verified");
    }

    /** The {@code sha256:<hex>} subjects of an in-toto v1 statement. */
    static List<String> subjectDigests(byte[] payload) throws SignatureException {
        JsonNode statement;
        try {
            statement = Dsse.JSON.readTree(payload);
        } catch (IOException e) {
            throw new SignatureException("the signed statement is not valid JSON");
        }
        if (statement == null || !STATEMENT_TYPE.equals(statement.path("_type").asText())) {
            throw new SignatureException("the signed payload is not an in-toto v1 statement");
        }
        JsonNode subject = statement.path("subject");
        if (!subject.isArray() || subject.isEmpty()) throw new SignatureException("the signed statement has no subject");
        List<String> out = new ArrayList<>();
        for (JsonNode s : subject) {
            String hex = s.path("digest").path("sha256").asText("");
            if (hex.matches("[0-9a-f]{64}")) out.add("sha256:" + hex);
        }
        if (out.isEmpty()) throw new SignatureException("the signed statement names no sha256 digest");
        return out;
    }

    /** The key id, for showing a key that is not trusted: only hex survives. */
    private static String printable(String keyId) {
        String s = keyId.replaceAll("[^0-9a-fA-F]", "");
        return s.isEmpty() ? "none" : s.substring(0, Math.min(64, s.length()));
    }

    /** The subject name a verified envelope states, for {@code show}; empty for anything unreadable. */
    public static Optional<String> subjectName(byte[] envelope) {
        try {
            JsonNode statement = Dsse.JSON.readTree(Dsse.parse(envelope).payload());
            return Optional.ofNullable(statement.path("subject").path(0).path("name").asText(null));
        } catch (IOException | SignatureException e) {
            return Optional.empty();
        }
    }

    static Map<String, String> details(Verdict v) {
        return v.keyId() == null ? Map.of("status", v.status().name().toLowerCase(java.util.Locale.ROOT))
                : Map.of("status", v.status().name().toLowerCase(java.util.Locale.ROOT), "key_id", printable(v.keyId()));
    }
}
