package dev.bastion.api.types;

/** {@code DELETE /api/delete}. */
public record DeleteRequest(String model, String name) implements ModelNamed {}
