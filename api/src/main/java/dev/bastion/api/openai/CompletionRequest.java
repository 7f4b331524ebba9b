package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.bastion.api.types.StringOrStrings;

import java.util.List;

/**
 * {@code POST /v1/completions}: {@code prompt} must be one string.
 *
 * @param logprobs how many alternatives to report with each token's log probability (null: no log probabilities)
 * @param suffix the text after the insertion point (fill-in-the-middle)
 */
public record CompletionRequest(String model, @JsonDeserialize(using = StringOrStrings.class) List<String> prompt,
                                Boolean stream, @JsonProperty("stream_options") StreamOptions streamOptions,
                                @JsonProperty("response_format") ResponseFormat responseFormat,
                                @JsonUnwrapped Sampling sampling, Integer logprobs, String suffix) {}
