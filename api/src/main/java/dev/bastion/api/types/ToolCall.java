package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool call in an assistant message, as Ollama's api/types.go has it: {@code arguments} is a JSON object (not a
 * string, unlike OpenAI's), {@code index} its place in the reply's calls.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(String id, Function function) {

    public record Function(Integer index, String name, JsonNode arguments) {}
}
