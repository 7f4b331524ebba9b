package dev.bastion.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** A chat message; {@code content} is a string or (in requests) an array of text parts. */
public record Message(String role, JsonNode content) {

    public static Message assistant(String content) {
        return new Message("assistant", TextNode.valueOf(content));
    }
}
