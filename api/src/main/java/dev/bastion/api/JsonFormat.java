package dev.bastion.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * JSON-constrained replies (Ollama's {@code format}, OpenAI's {@code response_format}) by instruction, not by
 * constrained decoding: a system message asks for JSON, quoting the schema when there is one, and non-streamed replies
 * are validated by the caller.
 */
final class JsonFormat {

    private JsonFormat() {}

    /** The system prompt extended with the JSON instruction; {@code schema} null means any JSON. */
    static String instruct(String system, JsonNode format) {
        if (format == null) return system;
        String instruction = format.isObject()
                ? "Respond only with JSON that conforms to this JSON schema: " + format
                : "Respond only with valid JSON.";
        return system == null || system.isBlank() ? instruction : system + "\n\n" + instruction;
    }

    static boolean isJson(String text) {
        if (text.isBlank()) return false;
        try {
            JsonFields.MAPPER.readTree(text);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    static ApiException invalidReply() {
        return new ApiException(500, "model output is not valid JSON", "format");
    }
}
