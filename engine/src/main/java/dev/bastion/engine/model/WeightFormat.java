package dev.bastion.engine.model;

/** How {@link LlamaModel#load(java.nio.file.Path, WeightFormat)} holds the weight matrices in memory. */
public enum WeightFormat {
    /** As in the checkpoint: F32 and BF16 mapped in place, F16 widened to F32. */
    AS_STORED,
    /**
     * Quantized to Q8_0 at load (about 8.5 bits per weight): faster decode and less memory, slightly different logits.
     * Matrices whose rows do not split into 32-weight blocks stay as stored. Norms and biases are never quantized.
     */
    Q8_0
}
