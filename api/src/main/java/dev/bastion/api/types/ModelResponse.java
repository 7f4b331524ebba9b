package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** One stored model in {@code /api/tags}; {@code digest} is bare hex, as Ollama writes it. */
public record ModelResponse(String name, String model, @JsonProperty("modified_at") String modifiedAt, long size, String digest,
                            Map<String, Object> details, List<String> capabilities) {}
