package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A chat message; {@code content} is a string or (in requests) an array of text parts. A thinking model's reasoning
 * is sent as {@code reasoning} (Ollama's field) and {@code reasoning_content} (DeepSeek's, which many clients read).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(String role, @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode content, String reasoning,
                      @JsonProperty("reasoning_content") String reasoningContent) {

    public Message(String role, JsonNode content) {
        this(role, content, null, null);
    }

    public static Message assistant(String content) {
        return new Message("assistant", TextNode.valueOf(content));
    }

    /** A reply with the reasoning (null or empty: none). */
    public static Message assistant(String content, String reasoning) {
        boolean none = reasoning == null || reasoning.isEmpty();
        return new Message("assistant", TextNode.valueOf(content), none ? null : reasoning, none ? null : reasoning);
    }
}
