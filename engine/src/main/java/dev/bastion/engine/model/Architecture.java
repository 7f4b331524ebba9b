package dev.bastion.engine.model;

import java.util.Arrays;
import java.util.Optional;

/** The Hugging Face architectures the engine runs; all are Llama-shaped decoders. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", false),
    QWEN2("Qwen2ForCausalLM", true),
    MISTRAL("MistralForCausalLM", false);

    private final String hfName;
    private final boolean defaultQkvBias;

    Architecture(String hfName, boolean defaultQkvBias) {
        this.hfName = hfName;
        this.defaultQkvBias = defaultQkvBias;
    }

    /** The name used in {@code config.json}'s {@code architectures} list. */
    public String hfName() {
        return hfName;
    }

    /** Whether q/k/v projections carry a bias when config.json does not say (Qwen2 always does). */
    public boolean defaultQkvBias() {
        return defaultQkvBias;
    }

    public static Optional<Architecture> fromHfName(String name) {
        return Arrays.stream(values()).filter(a -> a.hfName.equals(name)).findFirst();
    }
}
