package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.KeepAlive;

import java.util.List;

/**
 * {@code POST /api/chat}; also what OpenAI's chat completions translate to.
 *
 * @param name older clients' spelling of {@code model}
 * @param format "json", a JSON schema, or null
 * @param tools functions the model may call ({@code {"type": "function", "function": {…}}}), and Bastion's opt-in to
 *              server-side tools ({@code {"type": "mcp", "mcp": {"tools": [patterns], "max_steps": n}}}); checked by
 *              the chat service, so kept as JSON here
 */
public record ChatRequest(String model, String name, List<Message> messages, Boolean stream, JsonNode format,
                          Options options, @JsonProperty("keep_alive") KeepAlive keepAlive, JsonNode tools) implements ModelNamed {

    public ChatRequest(String model, String name, List<Message> messages, Boolean stream, JsonNode format, Options options,
                       KeepAlive keepAlive) {
        this(model, name, messages, stream, format, options, keepAlive, null);
    }
}
