package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.time.Instant;

/**
 * One {@code /api/chat} reply object: a streamed piece ({@code done} false, no metrics) or the last/whole reply. It is
 * also what the one generation path produces for every endpoint; the others translate it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatResponse(String model, @JsonProperty("created_at") String createdAt, Message message, boolean done,
                           @JsonProperty("done_reason") String doneReason, @JsonUnwrapped Metrics metrics) {

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
