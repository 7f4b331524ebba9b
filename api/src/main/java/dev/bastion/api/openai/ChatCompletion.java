package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** A whole (non-streamed) chat completion. */
public record ChatCompletion(String id, String object, long created, String model,
                             @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices, Usage usage) {

    public record Choice(int index, Message message, @JsonProperty("finish_reason") String finishReason) {}
}
