package dev.bastion.api.types;

import java.util.List;

/** {@code /api/tags}'s reply. */
public record ListResponse(List<ModelResponse> models) {}
