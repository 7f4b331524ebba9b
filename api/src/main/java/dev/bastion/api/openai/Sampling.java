package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.bastion.api.types.StringOrStrings;

import java.util.List;

/** The sampling fields chat completions and completions share (unwrapped into both); null: not given. */
public record Sampling(Double temperature, @JsonProperty("top_p") Double topP, Long seed,
                       @JsonProperty("max_tokens") Integer maxTokens,
                       @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
                       @JsonDeserialize(using = StringOrStrings.class) List<String> stop, Integer n,
                       @JsonProperty("presence_penalty") Double presencePenalty,
                       @JsonProperty("frequency_penalty") Double frequencyPenalty) {}
