package dev.bastion.store;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link ModelStore#show} reports about a model.
 *
 * @param parameterCount estimated from config.json's dimensions
 * @param dtype config.json's {@code torch_dtype}, or null when absent
 * @param parameters the Modelfile {@code PARAMETER}s, see {@link ModelParameter}
 * @param quantization applied at load, or null when the weights are used as stored
 */
public record ModelDetails(ModelName name, String digest, String owner, Instant createdAt, long size,
                           Architecture architecture, long parameterCount, int contextLength, String dtype,
                           Quantization quantization,
                           Map<String, Object> parameters, String template, String system, String license) {

    /** What the weights are served as, as Ollama reports it: {@code Q8_0}, else the checkpoint's dtype ({@code BFLOAT16}). */
    public String quantizationLevel() {
        if (quantization != null) return quantization.level();
        return dtype == null ? "unknown" : dtype.toUpperCase(java.util.Locale.ROOT);
    }

    /** How the weights are stored (from config.json's {@code torch_dtype}), when it names a known type. */
    public Optional<StorageType> storedType() {
        return StorageType.fromTorchDtype(dtype);
    }

    /** How the weight matrices are held once loaded: the quantization applied at load, else as stored. */
    public Optional<StorageType> loadedType() {
        return quantization != null ? Optional.of(quantization.applied()) : storedType();
    }

    public WeightFormat weightFormat() {
        return Quantization.weightFormat(quantization);
    }

    /** The Modelfile that recreates this model from itself. */
    public Modelfile modelfile() {
        return new Modelfile(name.toString(), parameters, template, system, license);
    }

    /** Like Ollama's parameter size: {@code 494.0M}, {@code 7.6B}. */
    public String parameterSize() {
        if (parameterCount >= 1_000_000_000L) return String.format(java.util.Locale.ROOT, "%.1fB", parameterCount / 1e9);
        if (parameterCount >= 1_000_000L) return String.format(java.util.Locale.ROOT, "%.1fM", parameterCount / 1e6);
        if (parameterCount >= 1_000L) return String.format(java.util.Locale.ROOT, "%.1fK", parameterCount / 1e3);
        return Long.toString(parameterCount);
    }
}
