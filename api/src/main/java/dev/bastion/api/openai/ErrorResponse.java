package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** OpenAI's error body. */
public record ErrorResponse(Error error) {

    /** {@code param} and {@code code} are sent even when null, as OpenAI does; {@code request_id} only when known. */
    public record Error(String message, String type, String param, String code,
                        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("request_id") String requestId) {}
}
