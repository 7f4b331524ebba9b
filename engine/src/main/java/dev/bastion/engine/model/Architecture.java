package dev.bastion.engine.model;

import java.util.Arrays;
import java.util.Optional;

/** The Hugging Face architectures the engine runs; {@link ArchitectureSupport} says what each needs. */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
    MISTRAL("MistralForCausalLM");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    /** The name used in {@code config.json}'s {@code architectures} list. */
    public String hfName() {
        return hfName;
    }

    public static Optional<Architecture> fromHfName(String name) {
        return Arrays.stream(values()).filter(a -> a.hfName.equals(name)).findFirst();
    }
}
