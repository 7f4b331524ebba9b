package dev.bastion.registry.signing;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A DSSE envelope (github.com/secure-systems-lab/dsse, v1): {@code payloadType}, base64 {@code payload} and
 * {@code signatures} of {@code keyid} and base64 {@code sig}, each signature over {@link #pae}, never over the raw payload
 * (so a signature cannot be moved to another payload type).
 */
public final class Dsse {

    public static final String IN_TOTO = "application/vnd.in-toto+json";
    /** Far above a one-subject statement with a few signatures; a larger envelope is refused before it is parsed. */
    public static final int MAX_ENVELOPE_BYTES = 64 << 10;
    private static final int MAX_SIGNATURES = 8;

    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8)
                .maxStringLength(MAX_ENVELOPE_BYTES).build());
    }

    private Dsse() {}

    public record Signature(String keyId, byte[] sig) {}

    public record Envelope(String payloadType, byte[] payload, List<Signature> signatures) {
        public Envelope {
            signatures = List.copyOf(signatures);
        }

        /** The envelope's JSON bytes. */
        public byte[] encode() {
            ObjectNode root = JSON.createObjectNode();
            root.put("payloadType", payloadType);
            root.put("payload", Base64.getEncoder().encodeToString(payload));
            var sigs = root.putArray("signatures");
            for (Signature s : signatures) sigs.addObject().put("keyid", s.keyId()).put("sig", Base64.getEncoder().encodeToString(s.sig()));
            try {
                return JSON.writeValueAsBytes(root);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The bytes a signature covers: {@code "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body}, lengths in ASCII decimal. */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + type.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /**
     * Reads an envelope strictly: bounded size, the three fields with the right JSON types, standard base64 (padded or
     * not), one to {@value #MAX_SIGNATURES} signatures.
     *
     * @throws SignatureException naming what is malformed (never echoing the input)
     */
    public static Envelope parse(byte[] bytes) throws SignatureException {
        if (bytes.length > MAX_ENVELOPE_BYTES) {
            throw new SignatureException("the signature envelope exceeds " + MAX_ENVELOPE_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new SignatureException("the signature envelope is not valid JSON");
        }
        if (root == null || !root.isObject()) throw new SignatureException("the signature envelope is not a JSON object");
        JsonNode type = root.get("payloadType");
        JsonNode payload = root.get("payload");
        JsonNode sigs = root.get("signatures");
        if (type == null || !type.isTextual()) throw new SignatureException("the signature envelope has no 'payloadType'");
        if (payload == null || !payload.isTextual()) throw new SignatureException("the signature envelope has no 'payload'");
        if (sigs == null || !sigs.isArray() || sigs.isEmpty()) throw new SignatureException("the signature envelope has no signatures");
        if (sigs.size() > MAX_SIGNATURES) throw new SignatureException("the signature envelope has more than " + MAX_SIGNATURES + " signatures");
        List<Signature> signatures = new ArrayList<>();
        for (JsonNode s : sigs) {
            if (!s.isObject() || !s.path("sig").isTextual()) throw new SignatureException("a signature in the envelope has no 'sig'");
            JsonNode keyId = s.get("keyid");
            if (keyId != null && !keyId.isTextual() && !keyId.isNull()) throw new SignatureException("a signature's 'keyid' is not a string");
            signatures.add(new Signature(keyId == null || keyId.isNull() ? "" : keyId.asText(), base64(s.get("sig").asText(), "sig")));
        }
        return new Envelope(type.asText(), base64(payload.asText(), "payload"), signatures);
    }

    private static byte[] base64(String text, String field) throws SignatureException {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(text); // DSSE allows either alphabet
            } catch (IllegalArgumentException again) {
                throw new SignatureException("the signature envelope's '" + field + "' is not valid base64");
            }
        }
    }
}
