package dev.bastion.web.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.ApiException;
import dev.bastion.api.JsonFields;

/** Validation of what clients write into conversations: lengths, types, and no control characters in titles. */
final class Texts {

    private Texts() {}

    /**
     * A title: a non-blank string of at most {@link ConversationsModule#MAX_TITLE} characters without control
     * characters or bidirectional overrides (which would let a title disguise itself in a list). Stored as text;
     * markup such as {@code <script>} is the page's to escape.
     */
    static String title(JsonNode node) {
        if (node == null || !node.isTextual()) throw ApiException.badRequest("title must be a string", "title");
        String title = node.asText().strip();
        if (title.isEmpty()) throw ApiException.badRequest("title must not be blank", "title");
        if (title.length() > ConversationsModule.MAX_TITLE) {
            throw ApiException.badRequest("title is longer than " + ConversationsModule.MAX_TITLE + " characters", "title");
        }
        if (title.codePoints().anyMatch(Texts::refusedInTitle)) {
            throw ApiException.badRequest("title must not contain control characters", "title");
        }
        return title;
    }

    private static boolean refusedInTitle(int c) {
        return Character.isISOControl(c) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)
                || c == 0x2028 || c == 0x2029;
    }

    static String optional(JsonNode node, String field, int max) {
        if (!JsonFields.given(node)) return null;
        if (!node.isTextual()) throw ApiException.badRequest(field + " must be a string", field);
        if (node.asText().length() > max) throw ApiException.badRequest(field + " is longer than " + max + " characters", field);
        return node.asText();
    }

    static Message message(JsonNode m) {
        if (m == null || !m.isObject()) throw ApiException.badRequest("each message must be an object", "messages");
        String role = optional(m.get("role"), "role", 16);
        if (role == null || !ConversationsModule.ROLES.contains(role)) {
            throw ApiException.badRequest("role must be one of " + ConversationsModule.ROLES, "role");
        }
        String content = optional(m.get("content"), "content", ConversationsModule.MAX_CONTENT);
        if (content == null) throw ApiException.required("content");
        String thinking = optional(m.get("thinking"), "thinking", ConversationsModule.MAX_CONTENT);
        JsonNode calls = m.get("tool_calls");
        String toolCalls = null;
        if (JsonFields.given(calls)) {
            if (!calls.isArray()) throw ApiException.badRequest("tool_calls must be an array", "tool_calls");
            toolCalls = calls.toString();
            if (toolCalls.length() > ConversationsModule.MAX_CONTENT) throw ApiException.badRequest("tool_calls are too large", "tool_calls");
        }
        Long prompt = count(m.get("prompt_tokens"), "prompt_tokens", Integer.MAX_VALUE);
        Long generated = count(m.get("generated_tokens"), "generated_tokens", Integer.MAX_VALUE);
        Long credits = count(m.get("credits"), "credits", Long.MAX_VALUE);
        JsonNode rate = m.get("tokens_per_second");
        Double perSecond = null;
        if (JsonFields.given(rate)) {
            if (!rate.isNumber() || !Double.isFinite(rate.asDouble()) || rate.asDouble() < 0) {
                throw ApiException.badRequest("tokens_per_second must be a non-negative number", "tokens_per_second");
            }
            perSecond = rate.asDouble();
        }
        return Message.of(role, content, thinking, toolCalls, prompt == null ? null : prompt.intValue(),
                generated == null ? null : generated.intValue(), perSecond, credits);
    }

    private static Long count(JsonNode node, String field, long max) {
        if (!JsonFields.given(node)) return null;
        if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < 0 || node.asLong() > max) {
            throw ApiException.badRequest(field + " must be a non-negative integer", field);
        }
        return node.asLong();
    }
}
