package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** A whole (non-streamed) chat completion. */
public record ChatCompletion(String id, String object, long created, String model,
                             @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices, Usage usage) {

    public record Choice(int index, Message message, @JsonProperty("finish_reason") String finishReason,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Logprobs logprobs) {

        public Choice(int index, Message message, String finishReason) {
            this(index, message, finishReason, null);
        }
    }

    /** OpenAI's {@code choices[].logprobs}: one entry per generated token. */
    public record Logprobs(List<dev.bastion.api.types.Logprob> content) {}
}
