package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * {@code POST /v1/chat/completions}.
 *
 * @param tools as Ollama's chat takes them (the same function shape, and Bastion's {@code mcp} opt-in)
 * @param toolChoice "none" offers no tools; "auto", or nothing, lets the model choose (others are refused)
 */
public record ChatCompletionRequest(String model, List<Message> messages, Boolean stream,
                                    @JsonProperty("stream_options") StreamOptions streamOptions,
                                    @JsonProperty("response_format") ResponseFormat responseFormat,
                                    @JsonUnwrapped Sampling sampling, JsonNode tools,
                                    @JsonProperty("tool_choice") JsonNode toolChoice) {}
