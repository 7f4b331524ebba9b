package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.List;

/**
 * A chat message; {@code content} is a string or (in requests) an array of text parts, and null in a reply that
 * only calls tools.
 *
 * @param toolCalls an assistant's calls
 * @param toolCallId the call a {@code tool} message answers
 */
public record Message(String role, JsonNode content,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("tool_calls") List<ToolCall> toolCalls,
                      @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tool_call_id") String toolCallId) {

    public Message(String role, JsonNode content) {
        this(role, content, null, null);
    }

    public static Message assistant(String content) {
        return new Message("assistant", TextNode.valueOf(content));
    }
}
