package dev.bastion.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a model name points at: the config layer and the other layers, by digest.
 *
 * @param owner the user id that owns the model; null means shared
 * @param quantization how the engine holds the weights once loaded; null (left out of the JSON, so manifests written
 *                     before it existed keep their digest) means as stored
 * @param parent the stored model this one was created from (Ollama's {@code parent_model}); null (left out) for an
 *               imported model
 */
public record Manifest(int schemaVersion, Layer config, List<Layer> layers, String owner, Instant createdAt,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Quantization quantization,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String parent) {

    public static final int SCHEMA_VERSION = 1;

    public Manifest {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("unsupported manifest schemaVersion " + schemaVersion + " (expected " + SCHEMA_VERSION + ")");
        }
        if (config == null || (config.type() != LayerType.CONFIG && config.type() != LayerType.GGUF)) {
            throw new IllegalArgumentException("manifest config layer must have mediaType " + LayerType.CONFIG.mediaType()
                    + " or " + LayerType.GGUF.mediaType());
        }
        if (layers == null) throw new IllegalArgumentException("manifest has no 'layers'");
        if (createdAt == null) throw new IllegalArgumentException("manifest has no 'createdAt'");
        layers = List.copyOf(layers);
        Set<String> names = new HashSet<>();
        for (Layer layer : allLayers(config, layers)) {
            if (!names.add(layer.fileName())) {
                throw new IllegalArgumentException("manifest has two layers named '" + layer.fileName() + "'");
            }
        }
    }

    public Manifest(int schemaVersion, Layer config, List<Layer> layers, String owner, Instant createdAt) {
        this(schemaVersion, config, layers, owner, createdAt, null, null);
    }

    public Manifest(int schemaVersion, Layer config, List<Layer> layers, String owner, Instant createdAt, Quantization quantization) {
        this(schemaVersion, config, layers, owner, createdAt, quantization, null);
    }

    /** The config layer followed by the other layers. */
    @JsonIgnore
    public List<Layer> allLayers() {
        return allLayers(config, layers);
    }

    /** Total bytes of all layers. */
    @JsonIgnore
    public long size() {
        return allLayers().stream().mapToLong(Layer::size).sum();
    }

    /** Whether the model is one GGUF file (its config layer) rather than a Hugging Face directory. */
    @JsonIgnore
    public boolean isGguf() {
        return config.type() == LayerType.GGUF;
    }

    public Optional<Layer> layer(LayerType type) {
        return layers.stream().filter(l -> l.type() == type).findFirst();
    }

    private static List<Layer> allLayers(Layer config, List<Layer> layers) {
        List<Layer> all = new ArrayList<>(layers.size() + 1);
        all.add(config);
        all.addAll(layers);
        return all;
    }
}
