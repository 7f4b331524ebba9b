package dev.bastion.store;

import java.time.Instant;

/**
 * A row of {@link ModelStore#list()}.
 *
 * @param digest {@code sha256:<hex>} of the manifest, the model's identity
 * @param size bytes of all layers
 * @param quantization applied at load, or null when the weights are used as stored
 */
public record ModelInfo(ModelName name, String digest, long size, Instant modifiedAt, String owner, Quantization quantization) {
}
