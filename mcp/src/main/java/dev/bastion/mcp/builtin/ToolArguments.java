package dev.bastion.mcp.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;

/** Reads a built-in tool's arguments; a wrong type is a refusal the model can read and correct. */
final class ToolArguments {

    static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode arguments;

    ToolArguments(JsonNode arguments) {
        this.arguments = arguments == null ? JSON.createObjectNode() : arguments;
    }

    String string(String name, boolean required) throws SandboxRefusal {
        JsonNode value = arguments.get(name);
        if (value == null || value.isNull()) {
            if (required) throw new SandboxRefusal("the argument '" + name + "' is required");
            return null;
        }
        if (!value.isTextual()) throw new SandboxRefusal("the argument '" + name + "' must be a string");
        return value.asText();
    }

    boolean flag(String name) throws SandboxRefusal {
        JsonNode value = arguments.get(name);
        if (value == null || value.isNull()) return false;
        if (!value.isBoolean()) throw new SandboxRefusal("the argument '" + name + "' must be true or false");
        return value.asBoolean();
    }

    JsonNode node(String name) {
        return arguments.get(name);
    }

    /** A JSON schema written as JSON text in the source. */
    static ObjectNode schema(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
