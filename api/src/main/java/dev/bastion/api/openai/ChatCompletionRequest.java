package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.util.List;

/** {@code POST /v1/chat/completions}. */
public record ChatCompletionRequest(String model, List<Message> messages, Boolean stream,
                                    @JsonProperty("stream_options") StreamOptions streamOptions,
                                    @JsonProperty("response_format") ResponseFormat responseFormat,
                                    @JsonUnwrapped Sampling sampling) {}
