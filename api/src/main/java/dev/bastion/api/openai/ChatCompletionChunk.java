package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** One streamed chat completion chunk; {@code usage} only in the last one, and only when asked for. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionChunk(String id, String object, long created, String model,
                                  @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices,
                                  Usage usage) {

    /** {@code finish_reason} is null, and sent as null, until the last chunk. */
    public record Choice(int index, Delta delta,
                         @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("finish_reason") String finishReason) {}

    /**
     * As OpenAI: the role only in the first chunk's delta; the last one's delta is empty. A server-side tool's result
     * is a delta of role {@code tool} with its {@code tool_call_id} (Bastion's; OpenAI has no such delta).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content, @JsonProperty("tool_calls") List<ToolCall> toolCalls,
                        @JsonProperty("tool_call_id") String toolCallId) {
        public Delta(String role, String content) {
            this(role, content, null, null);
        }
    }
}
