package dev.bastion.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.ApiException;
import dev.bastion.api.types.ChatResponse;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/** Anthropic Messages requests as Ollama chat requests, and the generation path's replies as Anthropic messages. */
public final class Anthropic {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Anthropic() {
    }

    /** {@code msg_<hex>}, as Anthropic (and Ollama) name messages. */
    public static String messageId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "msg_" + HexFormat.of().formatHex(b);
    }

    /**
     * The Ollama {@code /api/chat} body for a Messages request: {@code system} (a string or text blocks) first,
     * then each message's blocks (text joined; {@code tool_use} as tool calls; {@code tool_result} as tool messages;
     * {@code image} as images), {@code max_tokens} as {@code num_predict}, {@code stop_sequences} as {@code stop},
     * {@code thinking} as {@code think}. Fields this layer does not know are ignored, as Ollama ignores them.
     */
    public static ObjectNode toChatRequest(ObjectNode body) {
        String model = text(body, "model");
        if (model == null || model.isBlank()) throw ApiException.badRequest("model is required", "model");
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || !maxTokens.canConvertToInt() || !maxTokens.isIntegralNumber() || maxTokens.asInt() <= 0) {
            throw ApiException.badRequest("max_tokens is required and must be positive", "max_tokens");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.badRequest("messages is required", "messages");
        }
        ObjectNode chat = JSON.objectNode();
        chat.put("model", model);
        ArrayNode out = chat.putArray("messages");
        String system = systemText(body.get("system"));
        if (system != null && !system.isEmpty()) out.addObject().put("role", "system").put("content", system);
        for (int i = 0; i < messages.size(); i++) convertMessage(messages.get(i), "messages[" + i + "]", out);
        chat.put("stream", body.path("stream").asBoolean(false));
        ObjectNode options = chat.putObject("options");
        options.put("num_predict", maxTokens.asInt());
        copyNumber(body, "temperature", options, "temperature");
        copyNumber(body, "top_p", options, "top_p");
        copyNumber(body, "top_k", options, "top_k");
        if (body.has("stop_sequences") && !body.get("stop_sequences").isNull()) {
            JsonNode stops = body.get("stop_sequences");
            if (!stops.isArray()) throw ApiException.badRequest("stop_sequences must be an array of strings", "stop_sequences");
            for (JsonNode s : stops) {
                if (!s.isTextual()) throw ApiException.badRequest("stop_sequences must be an array of strings", "stop_sequences");
            }
            options.set("stop", stops);
        }
        JsonNode tools = body.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode converted = JSON.arrayNode();
            for (JsonNode t : tools) {
                // Anthropic's server tools (web_search_…, bash_…) are not local functions: left out, as Ollama leaves them
                if (t.hasNonNull("type") && !t.get("type").asText().equals("custom")) continue;
                if (!t.path("name").isTextual() || t.get("name").asText().isEmpty()) {
                    throw ApiException.badRequest("tools[].name is required", "tools");
                }
                ObjectNode function = converted.addObject().put("type", "function").putObject("function");
                function.put("name", t.path("name").asText());
                if (t.hasNonNull("description")) function.put("description", t.get("description").asText());
                function.set("parameters", t.hasNonNull("input_schema") ? t.get("input_schema") : JSON.objectNode());
            }
            if (!converted.isEmpty()) chat.set("tools", converted);
        }
        JsonNode thinking = body.get("thinking");
        if (thinking != null && thinking.isObject()) {
            String type = thinking.path("type").asText();
            if (type.equals("enabled")) chat.put("think", true);
            if (type.equals("disabled")) chat.put("think", false);
        }
        return chat;
    }

    private static String systemText(JsonNode system) {
        if (system == null || system.isNull()) return null;
        if (system.isTextual()) return system.asText();
        if (!system.isArray()) throw ApiException.badRequest("system must be a string or an array of text blocks", "system");
        StringBuilder sb = new StringBuilder();
        for (JsonNode block : system) {
            if (block.path("type").asText().equals("text")) sb.append(block.path("text").asText());
        }
        return sb.toString();
    }

    private static void convertMessage(JsonNode message, String path, ArrayNode out) {
        if (message == null || !message.isObject()) throw ApiException.badRequest(path + " must be an object", path);
        String role = text(message, "role");
        if (!"user".equals(role) && !"assistant".equals(role)) {
            throw ApiException.badRequest(path + ".role must be \"user\" or \"assistant\"", path + ".role");
        }
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            out.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (content == null || !content.isArray()) {
            throw ApiException.badRequest(path + ".content must be a string or an array of content blocks", path + ".content");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        ArrayNode images = JSON.arrayNode();
        ArrayNode toolCalls = JSON.arrayNode();
        List<ObjectNode> toolResults = new java.util.ArrayList<>();
        for (JsonNode block : content) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "thinking" -> thinking.append(block.path("thinking").asText());
                case "image" -> {
                    JsonNode source = block.path("source");
                    if (!source.path("type").asText().equals("base64") || !source.path("data").isTextual()) {
                        throw ApiException.badRequest("invalid image source", path + ".content");
                    }
                    images.add(source.get("data").asText());
                }
                case "tool_use" -> {
                    if (block.path("id").asText().isEmpty()) throw ApiException.badRequest("tool_use block missing required 'id' field", path);
                    if (block.path("name").asText().isEmpty()) throw ApiException.badRequest("tool_use block missing required 'name' field", path);
                    ObjectNode call = toolCalls.addObject().put("id", block.get("id").asText());
                    call.putObject("function").put("name", block.get("name").asText())
                            .set("arguments", block.hasNonNull("input") ? block.get("input") : JSON.objectNode());
                }
                case "tool_result" -> {
                    ObjectNode result = JSON.objectNode().put("role", "tool").put("content", toolResultText(block.get("content")));
                    if (block.hasNonNull("tool_use_id")) result.put("tool_call_id", block.get("tool_use_id").asText());
                    toolResults.add(result);
                }
                default -> { } // blocks Ollama also skips (server tools, documents)
            }
        }
        if (!text.isEmpty() || !thinking.isEmpty() || !images.isEmpty() || !toolCalls.isEmpty() || toolResults.isEmpty()) {
            ObjectNode m = out.addObject().put("role", role).put("content", text.toString());
            if (!thinking.isEmpty()) m.put("thinking", thinking.toString());
            if (!images.isEmpty()) m.set("images", images);
            if (!toolCalls.isEmpty()) m.set("tool_calls", toolCalls);
        }
        toolResults.forEach(out::add);
    }

    private static String toolResultText(JsonNode content) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode block : content) {
            if (block.path("type").asText().equals("text")) sb.append(block.path("text").asText());
        }
        return sb.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static void copyNumber(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode v = from.get(field);
        if (v == null || v.isNull()) return;
        if (!v.isNumber()) throw ApiException.badRequest(field + " must be a number", field);
        to.set(as, v);
    }

    /** Ollama's {@code done_reason} as Anthropic's {@code stop_reason}. */
    static String stopReason(String doneReason, boolean toolCalls) {
        if (toolCalls) return "tool_use";
        if (doneReason == null || doneReason.isEmpty()) return null;
        return switch (doneReason) {
            case "stop" -> "end_turn";
            case "length" -> "max_tokens";
            default -> "stop_sequence";
        };
    }

    /** The whole (non-streamed) reply. */
    public static Wire.MessagesResponse toMessagesResponse(String id, String model, ChatResponse reply) {
        List<Wire.ContentBlock> content = new java.util.ArrayList<>();
        if (reply.content() != null && !reply.content().isEmpty()) content.add(Wire.ContentBlock.text(reply.content()));
        List<dev.bastion.api.types.ToolCall> calls = reply.message().toolCalls();
        if (calls != null) calls.forEach(c -> content.add(toolUse(c)));
        return new Wire.MessagesResponse(id, "message", "assistant", model, content,
                stopReason(reply.doneReason(), calls != null && !calls.isEmpty()), null, usage(reply));
    }

    static Wire.ContentBlock toolUse(dev.bastion.api.types.ToolCall call) {
        var arguments = call.function().arguments();
        return Wire.ContentBlock.toolUse(call.id(), call.function().name(),
                arguments == null || arguments.isNull() ? JSON.objectNode() : arguments);
    }

    static Wire.Usage usage(ChatResponse reply) {
        var m = reply.metrics();
        return new Wire.Usage(m == null || m.promptEvalCount() == null ? 0 : m.promptEvalCount(),
                m == null || m.evalCount() == null ? 0 : m.evalCount());
    }

    /** Anthropic's error type for an HTTP status. */
    public static String errorType(int status) {
        return switch (status) {
            case 400, 413, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> "api_error";
        };
    }

    /** {@code {"type":"error","error":{"type","message"},"request_id"}}. */
    public static Wire.ErrorResponse error(int status, String message, String requestId) {
        return new Wire.ErrorResponse("error", new Wire.Error(errorType(status), message), requestId);
    }
}
