package dev.bastion.store;

import java.time.Instant;

/**
 * A row of {@link ModelStore#list()}.
 *
 * @param digest {@code sha256:<hex>} of the manifest, the model's identity
 * @param size bytes of all layers
 * @param quantization applied at load, or null when the weights are used as stored
 * @param storedLevel a GGUF model's file type, or null
 */
public record ModelInfo(ModelName name, String digest, long size, Instant modifiedAt, String owner, Quantization quantization,
                        String storedLevel) {

    public ModelInfo(ModelName name, String digest, long size, Instant modifiedAt, String owner, Quantization quantization) {
        this(name, digest, size, modifiedAt, owner, quantization, null);
    }

    /**
     * What {@code list} shows: the quantization applied at load, else the stored file type of a GGUF model
     * ({@code Q4_K_M}, {@code F16}, as Ollama names them), else null.
     */
    public String quantizationLevel() {
        return quantization != null ? quantization.level() : storedLevel;
    }
}
