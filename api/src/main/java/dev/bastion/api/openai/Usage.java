package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Token counts of a request. */
public record Usage(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("completion_tokens") int completionTokens,
                    @JsonProperty("total_tokens") int totalTokens,
                    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("credits_charged") Long creditsCharged) {

    public static Usage of(int prompt, int completion) {
        return of(prompt, completion, null);
    }

    /** With Bastion's own {@code credits_charged} (left out when null); OpenAI clients ignore unknown usage fields. */
    public static Usage of(int prompt, int completion, Long creditsCharged) {
        return new Usage(prompt, completion, prompt + completion, creditsCharged);
    }
}
