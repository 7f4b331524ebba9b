package dev.bastion.engine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.PromptOptions;
import dev.bastion.engine.template.RenderLimits;
import dev.bastion.engine.toolcall.ToolCallFormat;

import java.util.List;

/**
 * A loaded model directory ready to serve: weights, tokenizer, chat template. The facade the CLI and API use.
 * Thread-safe: each call runs in its own inference state.
 */
public interface ModelRuntime extends AutoCloseable {

    ModelConfig config();

    /** Renders messages with the model's chat template (adding the assistant prompt), within the default limits. */
    default String renderChat(List<ChatMessage> messages) {
        return renderChat(messages, RenderLimits.DEFAULT, new CancellationToken());
    }

    /**
     * Renders messages with the model's chat template (adding the assistant prompt), stopping when {@code limits}
     * run out or {@code cancel} is set.
     *
     * @throws dev.bastion.engine.template.TemplateBudgetExceededException when the template exceeds {@code limits}
     * @throws java.util.concurrent.CancellationException when cancelled while rendering
     */
    String renderChat(List<ChatMessage> messages, RenderLimits limits, CancellationToken cancel);

    /** Like {@link #renderChat(List, RenderLimits, CancellationToken)}, with the request's thinking switch. */
    default String renderChat(List<ChatMessage> messages, PromptOptions options, RenderLimits limits, CancellationToken cancel) {
        return renderChat(messages, List.of(), options, limits, cancel);
    }

    /** Both: the tools and the request's thinking switch; a runtime without a template that takes it ignores the switch. */
    default String renderChat(List<ChatMessage> messages, List<JsonNode> tools, PromptOptions options, RenderLimits limits,
                              CancellationToken cancel) {
        return renderChat(messages, tools, limits, cancel);
    }

    /**
     * Like {@link #renderChat(List, RenderLimits, CancellationToken)}, offering the model {@code tools} (OpenAI's
     * {@code {"type": "function", "function": {name, description, parameters}}} shape) through its chat template.
     *
     * @throws IllegalArgumentException when tools are given and this runtime has no template that takes them
     */
    default String renderChat(List<ChatMessage> messages, List<JsonNode> tools, RenderLimits limits, CancellationToken cancel) {
        if (!tools.isEmpty()) throw new IllegalArgumentException("this model's chat template does not take tools");
        return renderChat(messages, limits, cancel);
    }

    /** How this model writes tool calls in its replies, as its chat template or vocabulary tells. */
    default ToolCallFormat toolCallFormat() {
        return ToolCallFormat.ANY;
    }

    /**
     * Tokenizes {@code prompt} (special tokens in it are honoured, BOS added if the model wants it) and generates.
     * With a {@link GenerationOptions#cacheOwner()}, reuses that owner's KV cache for the prompt's longest cached prefix.
     */
    GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel);

    /** Bounds the KV caches kept for reuse by the next prompt of the same owner; a runtime without them ignores it. */
    default void limitSessions(SessionCache.Limits limits) {}

    /** Number of tokens {@code text} encodes to (as generate would see it). */
    int countTokens(String text);

    /** A sentence embedding: the mean of the final hidden states, L2-normalized. */
    float[] embed(String text);

    /** {@link #embed} of each text; implementations reuse one inference state for all, sized for the longest. */
    default List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
    }

    /**
     * Embeds each text as Ollama does: a text longer than the model's positions keeps its first tokens when
     * {@code truncate}, else fails; {@code normalize} false gives the raw mean (Ollama's legacy {@code /api/embeddings}).
     */
    default List<float[]> embedAll(List<String> texts, boolean truncate, boolean normalize) {
        if (!normalize) throw new UnsupportedOperationException("raw embeddings are not supported by this runtime");
        return embedAll(texts);
    }

    /**
     * Generates from {@code context} (the tokens a previous generation returned, Ollama's generate {@code context})
     * followed by {@code prompt}; an empty context is {@link #generate(String, GenerationOptions, TokenSink, CancellationToken)}.
     *
     * @throws IllegalArgumentException if a context token is outside the vocabulary
     */
    default GenerationResult generate(int[] context, String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
        if (context.length == 0) return generate(prompt, options, sink, cancel);
        throw new UnsupportedOperationException("continuing from a context is not supported by this runtime");
    }

    /** Whether the vocabulary has {@code token} as one token (a special token such as {@code <|fim_prefix|>}). */
    default boolean hasToken(String token) {
        return false;
    }

    /** The model's own chat template source (tokenizer_config.json), or null when it has none. */
    default String chatTemplateSource() {
        return null;
    }

    @Override
    void close();
}
