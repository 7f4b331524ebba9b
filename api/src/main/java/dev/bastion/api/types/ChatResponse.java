package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.time.Instant;
import java.util.List;

/**
 * One {@code /api/chat} reply object: a streamed piece ({@code done} false, no metrics) or the last/whole reply. It is
 * also what the one generation path produces for every endpoint; the others translate it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatResponse(String model, @JsonProperty("created_at") String createdAt, Message message, boolean done,
                           @JsonProperty("done_reason") String doneReason, @JsonUnwrapped Metrics metrics,
                           List<Logprob> logprobs, int[] context) {

    public ChatResponse(String model, String createdAt, Message message, boolean done, String doneReason, Metrics metrics) {
        this(model, createdAt, message, done, doneReason, metrics, null, null);
    }

    /** A streamed piece with a thinking model's reasoning and the pieces' log probabilities (null or empty: none). */
    public static ChatResponse piece(String model, String content, String thinking, List<Logprob> logprobs) {
        return new ChatResponse(model, Instant.now().toString(), Message.assistant(content, thinking), false, null, null,
                logprobs == null || logprobs.isEmpty() ? null : logprobs, null);
    }

    /** This reply with what only some requests ask for (each null or empty when not). */
    public ChatResponse with(String thinking, List<Logprob> logprobs, int[] context) {
        Message m = thinking == null || thinking.isEmpty() ? message
                : new Message(message.role(), message.content(), message.images(), message.toolCalls(), message.toolName(),
                        message.toolCallId(), thinking);
        return new ChatResponse(model, createdAt, m, done, doneReason, metrics, logprobs == null || logprobs.isEmpty() ? null : logprobs,
                context);
    }

    public String thinking() {
        return message.thinking();
    }

    public static ChatResponse piece(String model, String content) {
        return new ChatResponse(model, Instant.now().toString(), Message.assistant(content), false, null, null);
    }

    public static ChatResponse done(String model, String content, String doneReason, Metrics metrics) {
        return new ChatResponse(model, Instant.now().toString(), Message.assistant(content), true, doneReason, metrics);
    }

    /** A streamed message other than assistant text: the model's tool calls, or a server-side tool's result. */
    public static ChatResponse message(String model, Message message) {
        return new ChatResponse(model, Instant.now().toString(), message, false, null, null);
    }

    public String content() {
        return message.content();
    }
}
