package dev.bastion.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.registry.signing.Dsse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model's signature as an OCI artifact under cosign's tag {@code sha256-<hex>.sig}: an OCI image manifest with the
 * empty config and one layer, the DSSE envelope ({@value #ENVELOPE_TYPE}). The layer also carries the envelope inline
 * (OCI 1.1's descriptor {@code data}), so a pull needs no second request; both blobs are uploaded too, as a plain
 * registry requires.
 */
public final class SignatureArtifact {

    public static final String ENVELOPE_TYPE = "application/vnd.dsse.envelope.v1+json";
    static final String EMPTY_TYPE = "application/vnd.oci.empty.v1+json";
    static final byte[] EMPTY = "{}".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern TAG = Pattern.compile("sha256-([0-9a-f]{64})\\.sig");

    private SignatureArtifact() {}

    /** The manifest digest a signature tag names, if {@code reference} is one. */
    public static Optional<String> digestOfTag(String reference) {
        var m = TAG.matcher(reference);
        return m.matches() ? Optional.of("sha256:" + m.group(1)) : Optional.empty();
    }

    public static byte[] manifest(byte[] envelope) {
        ObjectNode root = OciManifest.JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", OciManifest.OCI);
        root.put("artifactType", ENVELOPE_TYPE);
        root.set("config", descriptor(EMPTY_TYPE, EMPTY));
        root.putArray("layers").add(descriptor(ENVELOPE_TYPE, envelope));
        try {
            return OciManifest.JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode descriptor(String type, byte[] content) {
        ObjectNode node = OciManifest.JSON.createObjectNode();
        node.put("mediaType", type);
        node.put("digest", OciManifest.digest(content));
        node.put("size", content.length);
        node.put("data", Base64.getEncoder().encodeToString(content));
        return node;
    }

    /** The envelope layer's descriptor: its digest and size, and its inline bytes if they match the digest. */
    public record Layer(String digest, long size, Optional<byte[]> inline) {}

    /** @throws RegistryException unless {@code bytes} is a signature artifact with one bounded envelope layer */
    public static Layer envelopeLayer(byte[] bytes) throws RegistryException {
        JsonNode root;
        try {
            root = OciManifest.JSON.readTree(bytes);
        } catch (IOException e) {
            throw new RegistryException(502, "the signature artifact is not valid JSON");
        }
        JsonNode layer = root == null ? null : root.path("layers").path(0);
        if (layer == null || !ENVELOPE_TYPE.equals(layer.path("mediaType").asText()) || root.path("layers").size() != 1) {
            throw new RegistryException(502, "the signature artifact has no DSSE envelope layer");
        }
        String digest = layer.path("digest").asText("");
        long size = layer.path("size").asLong(-1);
        if (!digest.matches("sha256:[0-9a-f]{64}") || size < 0 || size > Dsse.MAX_ENVELOPE_BYTES) {
            throw new RegistryException(502, "the signature artifact's envelope layer is invalid or larger than " + Dsse.MAX_ENVELOPE_BYTES + " bytes");
        }
        Optional<byte[]> inline = Optional.empty();
        if (layer.path("data").isTextual()) {
            try {
                byte[] data = Base64.getDecoder().decode(layer.get("data").asText());
                if (data.length == size && OciManifest.digest(data).equals(digest)) inline = Optional.of(data);
            } catch (IllegalArgumentException e) {
                // not usable inline: the blob is fetched instead
            }
        }
        return new Layer(digest, size, inline);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
