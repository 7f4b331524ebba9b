package dev.bastion.api.types;

/** {@code POST /api/copy}. */
public record CopyRequest(String source, String destination) {}
