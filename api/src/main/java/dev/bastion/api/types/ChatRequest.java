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
 */
public record ChatRequest(String model, String name, List<Message> messages, Boolean stream, JsonNode format,
                          Options options, @JsonProperty("keep_alive") KeepAlive keepAlive) implements ModelNamed {}
