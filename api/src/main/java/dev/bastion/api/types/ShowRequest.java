package dev.bastion.api.types;

/** {@code POST /api/show}. */
public record ShowRequest(String model, String name) implements ModelNamed {}
