package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bastion.api.KeepAlive;

/** The legacy {@code POST /api/embeddings}: one prompt. */
public record EmbeddingRequest(String model, String name, String prompt, @JsonProperty("keep_alive") KeepAlive keepAlive) implements ModelNamed {}
