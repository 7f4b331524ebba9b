package dev.bastion.engine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ChatMessage;
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

    @Override
    void close();
}
