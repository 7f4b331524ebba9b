package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** {@code /api/ps}'s reply: the loaded models. */
public record ProcessResponse(List<Model> models) {

    /** One loaded model; {@code size_vram} is always 0 (the engine runs on the CPU). */
    public record Model(String name, String model, long size, String digest, Map<String, Object> details,
                        @JsonProperty("expires_at") String expiresAt, @JsonProperty("size_vram") long sizeVram) {}
}
