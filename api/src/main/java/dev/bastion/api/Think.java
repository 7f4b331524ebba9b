package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;

/**
 * A request's thinking switch: Ollama's {@code think} (true, false, "low", "medium", "high") or OpenAI's
 * {@code reasoning_effort}.
 *
 * @param on whether the model should think
 * @param level the effort asked for, or null
 */
public record Think(boolean on, String level) {

    private static final Set<String> LEVELS = Set.of("low", "medium", "high");

    /** Ollama's {@code think}; null when not given. */
    public static Think ofOllama(JsonNode think) {
        if (!JsonFields.given(think)) return null;
        if (think.isBoolean()) return new Think(think.booleanValue(), null);
        if (think.isTextual()) {
            String v = think.textValue();
            if (v.equals("true") || v.equals("false")) return new Think(Boolean.parseBoolean(v), null);
            if (LEVELS.contains(v)) return new Think(true, v);
        }
        throw ApiException.badRequest("'think' must be true, false, \"low\", \"medium\" or \"high\"", "think");
    }

    /**
     * OpenAI's {@code reasoning_effort} (or {@code reasoning.effort}) as Ollama maps it: "none" is off, "minimal" is low,
     * "xhigh" is high; null when not given.
     */
    public static Think ofReasoningEffort(String effort) {
        if (effort == null || effort.isEmpty()) return null;
        return switch (effort) {
            case "none" -> new Think(false, null);
            case "minimal" -> new Think(true, "low");
            case "low", "medium", "high" -> new Think(true, effort);
            case "xhigh", "max" -> new Think(true, "high");
            default -> throw ApiException.badRequest("'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh",
                    "reasoning_effort");
        };
    }
}
