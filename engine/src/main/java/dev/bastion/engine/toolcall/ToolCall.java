package dev.bastion.engine.toolcall;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/** A call a model asked for: the tool's name and its arguments (always a JSON object). */
public record ToolCall(String name, ObjectNode arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
