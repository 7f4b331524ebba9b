package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** A text completion, whole or as a streamed chunk (then {@code usage} only in the last one, and only when asked for). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Completion(String id, String object, long created, String model,
                         @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices, Usage usage) {

    /** {@code logprobs} is always null; {@code finish_reason} null until the end. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, String text, Object logprobs, @JsonProperty("finish_reason") String finishReason) {}
}
