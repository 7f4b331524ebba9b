package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One model of {@code /v1/models}. */
public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {}
