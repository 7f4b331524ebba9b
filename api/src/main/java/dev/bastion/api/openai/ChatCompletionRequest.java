package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * {@code POST /v1/chat/completions}.
 *
 * @param reasoning {@code {"effort": ...}}, the newer spelling of {@code reasoning_effort}
 */
public record ChatCompletionRequest(String model, List<Message> messages, Boolean stream,
                                    @JsonProperty("stream_options") StreamOptions streamOptions,
                                    @JsonProperty("response_format") ResponseFormat responseFormat,
                                    @JsonUnwrapped Sampling sampling,
                                    @JsonProperty("reasoning_effort") String reasoningEffort, JsonNode reasoning,
                                    Boolean logprobs, @JsonProperty("top_logprobs") Integer topLogprobs) {}
