package dev.bastion.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A manifest as registries see it (OCI image manifest, or Docker v2 schema 2 as Ollama's registry serves): the config
 * layer as the OCI config blob, every other layer an OCI layer with its file name in the standard title annotation.
 * The bytes depend only on the model's content, not its owner or name, so the same model has the same digest on every
 * server. It lives here, not in the registry, because signatures are kept by this digest and the store must know
 * which of them its remaining models still use.
 */
public final class OciEncoding {

    public static final String OCI = "application/vnd.oci.image.manifest.v1+json";
    public static final String DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String TITLE = "org.opencontainers.image.title";
    public static final String CREATED = "org.opencontainers.image.created";
    public static final String QUANTIZATION = "dev.bastion.quantization";

    private static final ObjectMapper JSON = new ObjectMapper();

    private OciEncoding() {}

    /** The manifest's bytes in {@code mediaType} ({@link #OCI} or {@link #DOCKER_V2}). */
    public static byte[] encode(Manifest manifest, String mediaType) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", mediaType);
        root.set("config", descriptor(manifest.config()));
        ArrayNode layers = root.putArray("layers");
        for (Layer layer : manifest.layers()) layers.add(descriptor(layer));
        ObjectNode annotations = root.putObject("annotations");
        annotations.put(CREATED, manifest.createdAt().toString());
        if (manifest.quantization() != null) annotations.put(QUANTIZATION, manifest.quantization().level());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code sha256:<hex>} of {@code bytes}: a manifest's digest as registries name it. */
    public static String digest(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The digest a signature of this model is kept and checked by (its OCI manifest's). */
    public static String signedDigest(Manifest manifest) {
        return digest(encode(manifest, OCI));
    }

    /** Every digest a registry may name this model by (OCI and Docker v2), so none of its signatures is mistaken for stale. */
    static List<String> registryDigests(Manifest manifest) {
        return List.of(signedDigest(manifest), digest(encode(manifest, DOCKER_V2)));
    }

    private static ObjectNode descriptor(Layer layer) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mediaType", layer.mediaType());
        node.put("digest", layer.digest());
        node.put("size", layer.size());
        node.putObject("annotations").put(TITLE, layer.fileName());
        return node;
    }
}
