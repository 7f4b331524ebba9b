package dev.bastion.api.types;

/** The legacy {@code /api/embeddings} reply. */
public record EmbeddingResponse(float[] embedding) {}
