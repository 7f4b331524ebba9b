package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** {@code /api/ps}'s reply: the loaded models. */
public record ProcessResponse(List<Model> models) {

    /**
     * One loaded model; {@code size_vram} is 0 because the engine runs on the CPU (all of {@code size} is in RAM),
     * {@code context_length} is the model's trained context.
     */
    public record Model(String name, String model, long size, String digest, Map<String, Object> details,
                        @JsonProperty("expires_at") String expiresAt, @JsonProperty("size_vram") long sizeVram,
                        @JsonProperty("context_length") int contextLength) {}
}
