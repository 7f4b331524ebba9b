package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Ollama's error body; {@code request_id} is left out when unknown (e.g. inside a stream). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorResponse(String error, @JsonProperty("request_id") String requestId) {}
