package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.bastion.api.types.StringOrStrings;

import java.util.List;

/** {@code POST /v1/embeddings}; {@code encoding_format} is {@code float} (default) or {@code base64}. */
public record EmbeddingRequest(String model, @JsonDeserialize(using = StringOrStrings.class) List<String> input,
                               @JsonProperty("encoding_format") String encodingFormat, Integer dimensions) {}
