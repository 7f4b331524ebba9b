package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A tool call as OpenAI has it: {@code arguments} is a JSON string; {@code index} is only in streamed deltas, which
 * send a call's pieces under one index.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(Integer index, String id, String type, Function function) {

    public record Function(String name, String arguments) {}
}
