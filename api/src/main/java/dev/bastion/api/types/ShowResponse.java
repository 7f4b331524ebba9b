package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/** {@code /api/show}'s reply; {@code parameters} are Modelfile lines, {@code system} is left out when the model has none. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShowResponse(String modelfile, String parameters, String template, String system, Map<String, Object> details,
                           @JsonProperty("model_info") Map<String, Object> modelInfo,
                           @JsonProperty("modified_at") String modifiedAt) {}
