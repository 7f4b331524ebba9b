package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** One chat message; {@code images} is only read to refuse it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(String role, String content, JsonNode images) {

    public static Message assistant(String content) {
        return new Message("assistant", content, null);
    }
}
