package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code /api/version}'s reply: {@code version} is the Ollama API version Bastion is compatible with (what clients
 * that check a minimum Ollama version compare), {@code bastion_version} Bastion's own.
 */
public record VersionResponse(String version, @JsonProperty("bastion_version") String bastionVersion) {}
