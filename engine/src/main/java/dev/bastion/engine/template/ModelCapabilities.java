package dev.bastion.engine.template;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a model can do beyond plain completion, read from its templates and special tokens the way Ollama reads its
 * own (a template that mentions tools supports tools, one with a suffix or FIM tokens supports insertion). The one
 * place that decides this, so {@code /api/show}, the tags listing and the generation path agree.
 */
public final class ModelCapabilities {

    /** Ollama's capability names ({@link #wireName()}). */
    public enum Capability {
        COMPLETION, TOOLS, INSERT, THINKING, VISION, EMBEDDING;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Fill-in-the-middle tokens: the prompt is {@code prefix + before + suffix + after + middle}. */
    public record FimTokens(String prefix, String suffix, String middle) {}

    private static final List<FimTokens> FIM_STYLES = List.of(
            new FimTokens("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"), // Qwen2.5-Coder
            new FimTokens("<fim_prefix>", "<fim_suffix>", "<fim_middle>"), // StarCoder, SmolLM
            new FimTokens("<|fim_begin|>", "<|fim_hole|>", "<|fim_end|>"),
            new FimTokens("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"), // DeepSeek-Coder
            new FimTokens("▁<PRE>", "▁<SUF>", "▁<MID>"), // CodeLlama
            new FimTokens("<PRE>", "<SUF>", "<MID>"));

    /** A Jinja chat template that reads the {@code tools} variable. */
    private static final Pattern JINJA_TOOLS = Pattern.compile("\\btools\\b");
    private static final Pattern JINJA_THINKING = Pattern.compile("<think>|\\benable_thinking\\b|\\breasoning_content\\b");
    private static final Pattern GO_TOOLS = Pattern.compile("\\.Tools\\b|\\.ToolCalls\\b");
    private static final Pattern GO_SUFFIX = Pattern.compile("\\.Suffix\\b");
    private static final Pattern GO_THINKING = Pattern.compile("\\.Think(ing|Level)?\\b");

    private ModelCapabilities() {
    }

    /**
     * @param chatTemplate the Hugging Face chat template (Jinja), or null
     * @param modelfileTemplate the Modelfile {@code TEMPLATE} (Go syntax), or null; when present it is what renders
     *                          prompts, so it alone decides tools and thinking, as in Ollama
     * @param specialTokens the tokenizer's added tokens' contents
     * @return in Ollama's order; always {@code completion} (every architecture the engine runs is a causal LM), never
     *         {@code vision} (the engine has no image encoder) nor {@code embedding} (Ollama lists it for embedding-only models)
     */
    public static Set<Capability> detect(String chatTemplate, String modelfileTemplate, Collection<String> specialTokens) {
        Set<Capability> found = EnumSet.of(Capability.COMPLETION);
        boolean goTemplate = modelfileTemplate != null && !modelfileTemplate.isBlank();
        if (goTemplate ? GO_TOOLS.matcher(modelfileTemplate).find() : chatTemplate != null && JINJA_TOOLS.matcher(chatTemplate).find()) {
            found.add(Capability.TOOLS);
        }
        if ((goTemplate && GO_SUFFIX.matcher(modelfileTemplate).find()) || fimTokens(specialTokens).isPresent()) {
            found.add(Capability.INSERT);
        }
        if (goTemplate ? GO_THINKING.matcher(modelfileTemplate).find()
                : chatTemplate != null && JINJA_THINKING.matcher(chatTemplate).find()) {
            found.add(Capability.THINKING);
        }
        return found;
    }

    /** The first FIM style whose three tokens are all special tokens of the model. */
    public static Optional<FimTokens> fimTokens(Collection<String> specialTokens) {
        if (specialTokens == null || specialTokens.isEmpty()) return Optional.empty();
        Set<String> tokens = Set.copyOf(specialTokens);
        return FIM_STYLES.stream().filter(s -> tokens.contains(s.prefix()) && tokens.contains(s.suffix())
                && tokens.contains(s.middle())).findFirst();
    }
}
