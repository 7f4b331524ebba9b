package dev.bastion.registry;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.store.Layer;
import dev.bastion.store.LayerType;
import dev.bastion.store.Manifest;
import dev.bastion.store.OciEncoding;
import dev.bastion.store.Quantization;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A Bastion manifest as an OCI image manifest (or Docker v2 schema 2, the shape Ollama's registry serves): the config
 * layer is the OCI config blob, every other layer an OCI layer, each file name in the standard
 * {@code org.opencontainers.image.title} annotation. The bytes depend only on the model's content (not on its owner or
 * where it is stored), so the same model has the same manifest digest on every server, and a signature over it holds.
 * The encoding is the store's {@link OciEncoding} (the store keeps signatures by it); reading is here.
 */
public final class OciManifest {

    public static final String OCI = OciEncoding.OCI;
    public static final String DOCKER_V2 = OciEncoding.DOCKER_V2;
    static final String TITLE = OciEncoding.TITLE;
    static final String CREATED = OciEncoding.CREATED;
    static final String QUANTIZATION = OciEncoding.QUANTIZATION;

    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16)
                .maxStringLength(1 << 16).build());
    }

    private OciManifest() {}

    /** The manifest's bytes in {@code mediaType} ({@link #OCI} or {@link #DOCKER_V2}). */
    public static byte[] encode(Manifest manifest, String mediaType) {
        return OciEncoding.encode(manifest, mediaType);
    }

    /**
     * Reads a manifest a registry sent, for {@code owner}; every field is validated (digests, media types, file names,
     * sizes against the limits) before anything is fetched.
     *
     * @throws RegistryException for anything that is not a well-formed Bastion model manifest within the limits
     */
    public static Manifest decode(byte[] bytes, String owner, RegistryLimits limits) throws RegistryException {
        if (bytes.length > limits.maxManifestBytes()) {
            throw new RegistryException(413, "manifest exceeds " + limits.maxManifestBytes() + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new RegistryException("manifest is not valid JSON");
        }
        if (root == null || !root.isObject() || root.path("schemaVersion").asInt() != 2) {
            throw new RegistryException("manifest is not an OCI image manifest (schemaVersion 2)");
        }
        JsonNode layersNode = root.path("layers");
        if (!layersNode.isArray()) throw new RegistryException("manifest has no 'layers' array");
        if (layersNode.size() + 1 > limits.maxLayers()) {
            throw new RegistryException("manifest lists " + (layersNode.size() + 1) + " blobs; at most " + limits.maxLayers() + " are accepted");
        }
        try {
            Layer config = layer(root.path("config"), limits);
            if (config.type() != LayerType.CONFIG) throw new RegistryException("manifest's config is not a Bastion model config");
            List<Layer> layers = new ArrayList<>();
            for (JsonNode node : layersNode) layers.add(layer(node, limits));
            JsonNode annotations = root.path("annotations");
            Instant created = annotations.hasNonNull(CREATED) ? Instant.parse(annotations.get(CREATED).asText()) : Instant.EPOCH;
            Quantization quantization = annotations.hasNonNull(QUANTIZATION) ? Quantization.parse(annotations.get(QUANTIZATION).asText()) : null;
            return new Manifest(Manifest.SCHEMA_VERSION, config, layers, owner, created, quantization, null);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new RegistryException("manifest is invalid: " + Printable.of(String.valueOf(e.getMessage())));
        }
    }

    /** {@code sha256:<hex>} of {@code bytes}: a manifest's digest as registries name it. */
    public static String digest(byte[] bytes) {
        return OciEncoding.digest(bytes);
    }

    private static Layer layer(JsonNode node, RegistryLimits limits) throws RegistryException {
        if (!node.isObject()) throw new RegistryException("manifest has a descriptor that is not an object");
        JsonNode size = node.path("size");
        if (!size.canConvertToLong() || !size.isIntegralNumber()) throw new RegistryException("a layer has no integral 'size'");
        if (size.asLong() > limits.maxLayerBytes()) {
            throw new RegistryException(413, "a layer declares " + size.asLong() + " bytes; at most " + limits.maxLayerBytes() + " are accepted");
        }
        String title = node.path("annotations").path(TITLE).asText(null);
        if (title == null && LayerType.CONFIG.mediaType().equals(node.path("mediaType").asText())) title = "config.json";
        return new Layer(node.path("mediaType").asText(null), node.path("digest").asText(null), size.asLong(), title);
    }
}
