package dev.bastion.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.template.ChatMessage;

import java.util.List;

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

    /**
     * Puts the model's default system prompt (when the conversation has none) and the JSON instruction (when asked
     * for) into the leading system message, creating it if needed.
     */
    static void applySystem(List<ChatMessage> messages, String defaultSystem, JsonNode format) {
        if (!messages.isEmpty() && messages.getFirst().role().equals("system")) {
            messages.set(0, new ChatMessage("system", instruct(messages.getFirst().content(), format)));
            return;
        }
        String system = instruct(defaultSystem, format);
        if (system != null) messages.addFirst(new ChatMessage("system", system));
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
