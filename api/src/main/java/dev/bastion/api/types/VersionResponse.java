package dev.bastion.api.types;

/** {@code /api/version}'s reply. */
public record VersionResponse(String version) {}
