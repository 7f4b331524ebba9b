package dev.bastion.api.anthropic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** Anthropic's reply and event shapes. */
public final class Wire {

    private Wire() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessagesResponse(String id, String type, String role, String model, List<ContentBlock> content,
                                   @JsonProperty("stop_reason") String stopReason,
                                   @JsonProperty("stop_sequence") String stopSequence, Usage usage) {}

    /** A {@code text} block (in a stream's {@code content_block_start} its text is empty) or a {@code tool_use} block. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContentBlock(String type, String text, String id, String name, com.fasterxml.jackson.databind.JsonNode input) {
        static ContentBlock text(String text) {
            return new ContentBlock("text", text, null, null, null);
        }

        static ContentBlock toolUse(String id, String name, com.fasterxml.jackson.databind.JsonNode input) {
            return new ContentBlock("tool_use", null, id, name, input);
        }
    }

    public record Usage(@JsonProperty("input_tokens") int inputTokens, @JsonProperty("output_tokens") int outputTokens) {}

    public record MessageStart(String type, MessagesResponse message) {}

    public record ContentBlockStart(String type, int index, @JsonProperty("content_block") ContentBlock contentBlock) {}

    public record ContentBlockDelta(String type, int index, Delta delta) {}

    /** A {@code text_delta}, or an {@code input_json_delta} carrying a tool call's input as JSON text. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String type, String text, @JsonProperty("partial_json") String partialJson) {}

    public record ContentBlockStop(String type, int index) {}

    public record MessageDelta(String type, MessageDeltaBody delta, Usage usage) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessageDeltaBody(@JsonProperty("stop_reason") String stopReason,
                                   @JsonProperty("stop_sequence") String stopSequence) {}

    public record MessageStop(String type) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ErrorResponse(String type, Error error, @JsonProperty("request_id") String requestId) {}

    public record Error(String type, String message) {}

    /** One server-sent event: its {@code event:} name and {@code data:} object. */
    public record Event(String name, Object data) {}
}
