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
                           @JsonProperty("modified_at") String modifiedAt,
                           @com.fasterxml.jackson.annotation.JsonAnyGetter Map<String, Object> extra) {

    /** Without module fields (such as {@code signature}). */
    public ShowResponse(String license, String modelfile, String parameters, String template, String system,
                        Map<String, Object> details, List<Message> messages, Map<String, Object> modelInfo,
                        List<String> capabilities, String modifiedAt) {
        this(license, modelfile, parameters, template, system, details, messages, modelInfo, capabilities, modifiedAt, Map.of());
    }

    /** A Modelfile {@code MESSAGE}. */
    public record Message(String role, String content) {}
}
