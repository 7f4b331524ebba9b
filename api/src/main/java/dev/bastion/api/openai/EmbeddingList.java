package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** {@code /v1/embeddings}' reply. */
public record EmbeddingList(String object, List<Embedding> data, String model, Usage usage) {

    /** {@code embedding} is a float array, or a base64 string of little-endian float32s. */
    public record Embedding(String object, int index, Object embedding) {}

    public record Usage(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("total_tokens") int totalTokens) {}
}
