package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A streamed {@code /api/create} status with Ollama's progress counts, e.g. tensors quantized so far. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateProgress(String status, Long total, Long completed) {}
