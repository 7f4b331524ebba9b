package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** {@code /api/embed}'s reply. */
public record EmbedResponse(String model, List<float[]> embeddings, @JsonProperty("total_duration") long totalDuration,
                            @JsonProperty("load_duration") long loadDuration,
                            @JsonProperty("prompt_eval_count") int promptEvalCount) {}
