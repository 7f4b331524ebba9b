package dev.bastion.engine.toolcall;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * A call a model asked for: the tool's name and its arguments (always a JSON object).
 *
 * @param id the call's id when the model or the client gave one (Mistral's replies and templates carry them), else null
 */
public record ToolCall(String id, String name, ObjectNode arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }

    public ToolCall withId(String newId) {
        return new ToolCall(newId, name, arguments);
    }
}
