package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** One chat message; {@code images} is only read to refuse it; {@code thinking} is a thinking model's reasoning. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(String role, String content, String thinking, JsonNode images) {

    public Message(String role, String content, JsonNode images) {
        this(role, content, null, images);
    }

    public static Message assistant(String content) {
        return new Message("assistant", content, null, null);
    }

    /** A reply; {@code thinking} null or empty is left out. */
    public static Message assistant(String content, String thinking) {
        return new Message("assistant", content, thinking == null || thinking.isEmpty() ? null : thinking, null);
    }
}
