package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** {@code response_format}: {@code text}, {@code json_object} or {@code json_schema}. */
public record ResponseFormat(String type, @JsonProperty("json_schema") JsonSchema jsonSchema) {

    public record JsonSchema(String name, JsonNode schema) {}
}
