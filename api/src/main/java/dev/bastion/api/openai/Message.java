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
 * @param reasoning a thinking model's reasoning (Ollama's field), also sent as {@code reasoning_content} (DeepSeek's,
 *                  which many clients read)
 */
public record Message(String role, JsonNode content,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("tool_calls") List<ToolCall> toolCalls,
                      @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tool_call_id") String toolCallId,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String reasoning,
                      @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("reasoning_content") String reasoningContent) {

    public Message(String role, JsonNode content, List<ToolCall> toolCalls, String toolCallId) {
        this(role, content, toolCalls, toolCallId, null, null);
    }

    public Message(String role, JsonNode content) {
        this(role, content, null, null);
    }

    public static Message assistant(String content) {
        return new Message("assistant", TextNode.valueOf(content));
    }

    /** This message with a thinking model's reasoning, as Ollama's {@code reasoning} and DeepSeek's {@code reasoning_content}. */
    public Message withReasoning(String reasoning) {
        if (reasoning == null || reasoning.isEmpty()) return this;
        return new Message(role, content, toolCalls, toolCallId, reasoning, reasoning);
    }
}
