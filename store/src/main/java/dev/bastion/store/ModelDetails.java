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
 * @param format {@code safetensors} or {@code gguf} (then {@code dtype} is the file type, {@code Q4_K_M}, {@code F16}…)
 */
public record ModelDetails(ModelName name, String digest, String owner, Instant createdAt, long size,
                           Architecture architecture, long parameterCount, int contextLength, String dtype,
                           Quantization quantization,
                           Map<String, Object> parameters, String template, String system, String license,
                           String format) {

    /** A Hugging Face (safetensors) model. */
    public ModelDetails(ModelName name, String digest, String owner, Instant createdAt, long size,
                        Architecture architecture, long parameterCount, int contextLength, String dtype,
                        Quantization quantization,
                        Map<String, Object> parameters, String template, String system, String license) {
        this(name, digest, owner, createdAt, size, architecture, parameterCount, contextLength, dtype, quantization,
                parameters, template, system, license, "safetensors");
    }

    /**
     * What the weights are served as, in Ollama's vocabulary: {@code Q8_0}, else the checkpoint's dtype as a GGML file
     * type ({@code BF16}, {@code F16}, {@code F32}); an unknown dtype is shown upper-cased, none as {@code unknown}.
     */
    public String quantizationLevel() {
        if (quantization != null) return quantization.level();
        if (dtype == null) return "unknown";
        if (format.equals("gguf")) return dtype;
        return storedType().map(Enum::name).orElse(dtype.toUpperCase(java.util.Locale.ROOT));
    }

    /** How the weights are stored (from config.json's {@code torch_dtype}), when it names a known type. */
    public Optional<StorageType> storedType() {
        if (format.equals("gguf")) return java.util.Arrays.stream(StorageType.values()).filter(t -> t.name().equals(dtype)).findFirst();
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

    /** As Ollama's {@code format.HumanNumber} writes it: {@code 260K}, {@code 134.52M}, {@code 135M}, {@code 1.2B}, {@code 7B}. */
    public String parameterSize() {
        return humanNumber(parameterCount);
    }

    /** Ollama's {@code format.HumanNumber}: whole billions and millions without decimals, else 1 (B) or 2 (M) decimals. */
    public static String humanNumber(long n) {
        java.util.Locale root = java.util.Locale.ROOT;
        if (n >= 1_000_000_000L) {
            return n % 1_000_000_000L == 0 ? n / 1_000_000_000L + "B" : String.format(root, "%.1fB", n / 1e9);
        }
        if (n >= 1_000_000L) return n % 1_000_000L == 0 ? n / 1_000_000L + "M" : String.format(root, "%.2fM", n / 1e6);
        if (n >= 1_000L) return String.format(root, "%.0fK", n / 1e3);
        return Long.toString(n);
    }
}
