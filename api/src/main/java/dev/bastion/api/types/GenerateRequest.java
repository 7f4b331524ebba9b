package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.KeepAlive;

/**
 * {@code POST /api/generate}; also what OpenAI's completions translate to.
 *
 * @param name older clients' spelling of {@code model}
 * @param template a Go template overriding the model's, or null
 * @param raw the prompt goes to the model as is, without any template
 * @param images only read to refuse it
 */
public record GenerateRequest(String model, String name, String prompt, String system, String template, Boolean raw,
                              Boolean stream, JsonNode format, Options options,
                              @JsonProperty("keep_alive") KeepAlive keepAlive, JsonNode images) implements ModelNamed {}
