package dev.bastion.engine.model;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the engine knows about one Hugging Face architecture: the config.json quirks it reads differently, and the
 * {@link DecoderFamily} that builds it. A new Llama-shaped architecture is one more entry; one with another block
 * structure brings its own family.
 *
 * @param defaultQkvBias whether q/k/v projections carry a bias when config.json has no {@code attention_bias}
 * @param defaultTiedEmbeddings whether the head reuses the embeddings when config.json has no {@code tie_word_embeddings}
 * @param slidingWindow when config.json's {@code sliding_window} applies
 * @param ropeScalingTypes the {@code rope_scaling.rope_type}s it supports besides none/default
 */
public record ArchitectureSupport(Architecture architecture, boolean defaultQkvBias, boolean defaultTiedEmbeddings,
                                  SlidingWindow slidingWindow, Set<String> ropeScalingTypes, DecoderFamily family) {

    /** When a model's {@code sliding_window} limits attention, as transformers reads it. */
    public enum SlidingWindow {
        /** Ignored (Llama has none). */
        NEVER,
        /** Whenever set (Mistral). */
        ALWAYS,
        /** Only with {@code use_sliding_window: true} (Qwen2). */
        WHEN_ENABLED
    }

    private static final Set<String> LLAMA3_ROPE = Set.of("llama3");

    private static final List<ArchitectureSupport> REGISTERED = List.of(
            new ArchitectureSupport(Architecture.LLAMA, false, false, SlidingWindow.NEVER, LLAMA3_ROPE, LlamaFamily.INSTANCE),
            new ArchitectureSupport(Architecture.QWEN2, true, false, SlidingWindow.WHEN_ENABLED, LLAMA3_ROPE, LlamaFamily.INSTANCE),
            new ArchitectureSupport(Architecture.MISTRAL, false, false, SlidingWindow.ALWAYS, LLAMA3_ROPE, LlamaFamily.INSTANCE));

    public ArchitectureSupport {
        ropeScalingTypes = Set.copyOf(ropeScalingTypes);
    }

    /** The name in config.json's {@code architectures}. */
    public String hfName() {
        return architecture.hfName();
    }

    public static ArchitectureSupport of(Architecture architecture) {
        return REGISTERED.stream().filter(s -> s.architecture == architecture).findFirst()
                .orElseThrow(() -> new IllegalStateException("no support registered for " + architecture));
    }

    /** @throws IllegalArgumentException naming the architecture and the supported ones */
    public static ArchitectureSupport forHfName(String hfName) {
        Optional<Architecture> architecture = Architecture.fromHfName(hfName);
        if (architecture.isEmpty()) {
            throw new IllegalArgumentException("unsupported architecture '" + hfName + "'; supported: "
                    + REGISTERED.stream().map(ArchitectureSupport::hfName).collect(Collectors.joining(", ")));
        }
        return of(architecture.get());
    }

    /** The weights of a model of this config, from its dimensions. */
    public static long parameterCount(ModelConfig config) {
        return of(config.architecture()).family.parameterCount(config);
    }
}
