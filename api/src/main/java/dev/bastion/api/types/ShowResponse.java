package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * {@code /api/show}'s reply, in Ollama's field order; {@code parameters} are Modelfile lines with Go-quoted strings,
 * {@code license} and {@code system} are left out when the model has none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShowResponse(String license, String modelfile, String parameters, String template, String system,
                           Map<String, Object> details, List<Message> messages,
                           @JsonProperty("model_info") Map<String, Object> modelInfo, List<String> capabilities,
                           @JsonProperty("modified_at") String modifiedAt) {

    /** A Modelfile {@code MESSAGE}. */
    public record Message(String role, String content) {}
}
