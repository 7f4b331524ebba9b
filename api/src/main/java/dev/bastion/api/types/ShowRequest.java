package dev.bastion.api.types;

/** {@code POST /api/show}; {@code verbose} adds the vocabulary ({@code tokenizer.ggml.tokens}) to {@code model_info}. */
public record ShowRequest(String model, String name, Boolean verbose) implements ModelNamed {}
