package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One chat message; {@code images} is only read to refuse it.
 *
 * @param toolCalls an assistant's calls
 * @param toolName a {@code tool} message's tool (Ollama)
 * @param toolCallId the call a {@code tool} message answers (OpenAI's, which Ollama accepts too)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(String role, String content, JsonNode images, @JsonProperty("tool_calls") List<ToolCall> toolCalls,
                      @JsonProperty("tool_name") String toolName, @JsonProperty("tool_call_id") String toolCallId) {

    public Message(String role, String content, JsonNode images) {
        this(role, content, images, null, null, null);
    }

    public static Message assistant(String content) {
        return new Message("assistant", content, null);
    }
}
