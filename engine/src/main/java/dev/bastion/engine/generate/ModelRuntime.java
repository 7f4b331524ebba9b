package dev.bastion.engine.generate;

import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ChatMessage;

import java.util.List;

/**
 * A loaded model directory ready to serve: weights, tokenizer, chat template. The facade the CLI and API use.
 * Thread-safe: each call runs in its own inference state.
 */
public interface ModelRuntime extends AutoCloseable {

    ModelConfig config();

    /** Renders messages with the model's chat template (adding the assistant prompt). */
    String renderChat(List<ChatMessage> messages);

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

    @Override
    void close();
}
