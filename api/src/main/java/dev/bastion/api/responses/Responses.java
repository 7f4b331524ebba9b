package dev.bastion.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.ApiException;
import dev.bastion.api.types.ChatResponse;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Responses requests as Ollama chat requests, and the generation path's replies as Response objects, with the fields
 * Ollama fills (request parameters echoed, defaults for what it does not support).
 */
public final class Responses {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private Responses() {
    }

    static String id(String prefix) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    /** The ids of one response: {@code resp_…} and its message item's {@code msg_…}. */
    public record Ids(String response, String item) {
        public static Ids fresh() {
            String hex = id("");
            return new Ids("resp_" + hex, "msg_" + hex);
        }
    }

    /**
     * The Ollama {@code /api/chat} body: {@code instructions} as the system message, {@code input} (a string, or
     * message, {@code function_call} and {@code function_call_output} items), {@code max_output_tokens} as
     * {@code num_predict}, {@code text.format} {@code json_schema}/{@code json_object} as {@code format}.
     */
    public static ObjectNode toChatRequest(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) throw ApiException.required("model");
        ObjectNode chat = JSON.objectNode();
        chat.put("model", model.asText());
        ArrayNode messages = chat.putArray("messages");
        JsonNode instructions = body.get("instructions");
        if (instructions != null && instructions.isTextual() && !instructions.asText().isEmpty()) {
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) throw ApiException.required("input");
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else if (input.isArray()) {
            for (int i = 0; i < input.size(); i++) convertItem(input.get(i), "input[" + i + "]", messages);
        } else {
            throw ApiException.badRequest("'input' must be a string or an array of items", "input");
        }
        chat.put("stream", body.path("stream").asBoolean(false));
        ObjectNode options = chat.putObject("options");
        copyNumber(body, "max_output_tokens", options, "num_predict", true);
        copyNumber(body, "temperature", options, "temperature", false);
        copyNumber(body, "top_p", options, "top_p", false);
        JsonNode format = body.path("text").path("format");
        switch (format.path("type").asText("text")) {
            case "json_schema" -> chat.set("format", format.hasNonNull("schema") ? format.get("schema") : JSON.objectNode());
            case "json_object" -> chat.put("format", "json");
            case "text" -> { }
            default -> throw ApiException.badRequest("'text.format.type' must be \"text\", \"json_object\" or \"json_schema\"", "text.format.type");
        }
        JsonNode tools = body.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode converted = chat.putArray("tools");
            for (JsonNode t : tools) {
                if (!t.path("type").asText().equals("function")) continue;
                ObjectNode function = converted.addObject().put("type", "function").putObject("function");
                function.put("name", t.path("name").asText());
                if (t.hasNonNull("description")) function.put("description", t.get("description").asText());
                function.set("parameters", t.hasNonNull("parameters") ? t.get("parameters") : JSON.objectNode());
            }
        }
        JsonNode effort = body.path("reasoning").path("effort");
        if (effort.isTextual()) chat.put("think", effort.asText());
        return chat;
    }

    private static void convertItem(JsonNode item, String path, ArrayNode messages) {
        if (item == null || !item.isObject()) throw ApiException.badRequest("'" + path + "' must be an object", path);
        String type = item.path("type").asText(item.has("role") ? "message" : "");
        switch (type) {
            case "message" -> {
                String role = item.path("role").asText();
                if (!ROLES.contains(role)) {
                    throw ApiException.badRequest("'" + path + ".role' must be one of " + new java.util.TreeSet<>(ROLES), path + ".role");
                }
                ObjectNode m = messages.addObject().put("role", role.equals("developer") ? "system" : role);
                JsonNode content = item.get("content");
                if (content != null && content.isTextual()) {
                    m.put("content", content.asText());
                } else if (content != null && content.isArray()) {
                    StringBuilder text = new StringBuilder();
                    ArrayNode images = JSON.arrayNode();
                    for (JsonNode part : content) {
                        switch (part.path("type").asText()) {
                            case "input_text", "output_text" -> text.append(part.path("text").asText());
                            case "input_image" -> {
                                if (part.path("image_url").isTextual()) images.add(part.get("image_url").asText());
                            }
                            case "input_file" -> throw ApiException.badRequest("file inputs are not currently supported", path + ".content");
                            default -> { }
                        }
                    }
                    m.put("content", text.toString());
                    if (!images.isEmpty()) m.set("images", images);
                } else {
                    throw ApiException.badRequest("'" + path + ".content' must be a string or an array of content parts", path + ".content");
                }
            }
            case "function_call" -> {
                ObjectNode call = JSON.objectNode().put("id", item.path("call_id").asText());
                JsonNode arguments;
                try {
                    arguments = dev.bastion.api.JsonFields.MAPPER.readTree(item.path("arguments").asText("{}"));
                } catch (java.io.IOException e) {
                    throw ApiException.badRequest("'" + path + ".arguments' must be a JSON object", path + ".arguments");
                }
                call.putObject("function").put("name", item.path("name").asText()).set("arguments", arguments);
                // consecutive calls (and the assistant text before them) are one assistant turn, as in Ollama
                ObjectNode last = messages.isEmpty() ? null : (ObjectNode) messages.get(messages.size() - 1);
                if (last == null || !last.path("role").asText().equals("assistant")) {
                    last = messages.addObject().put("role", "assistant").put("content", "");
                }
                (last.has("tool_calls") ? (ArrayNode) last.get("tool_calls") : last.putArray("tool_calls")).add(call);
            }
            case "function_call_output" -> {
                JsonNode output = item.get("output");
                String text = output == null || output.isNull() ? "" : output.isTextual() ? output.asText() : output.toString();
                messages.addObject().put("role", "tool").put("content", text).put("tool_call_id", item.path("call_id").asText());
            }
            case "reasoning" -> { } // replayed reasoning: the model's own thinking, not needed to continue
            default -> throw ApiException.badRequest("'" + path + ".type' '" + ApiException.quote(type) + "' is not supported", path + ".type");
        }
    }

    private static void copyNumber(JsonNode from, String field, ObjectNode to, String as, boolean integer) {
        JsonNode v = from.get(field);
        if (v == null || v.isNull()) return;
        if (!v.isNumber() || (integer && !v.isIntegralNumber())) {
            throw ApiException.badRequest("'" + field + "' must be " + (integer ? "an integer" : "a number"), field);
        }
        to.set(as, v);
    }

    /** The Response object: status, output, usage, and the request's parameters echoed as Ollama echoes them. */
    static Map<String, Object> response(Ids ids, String model, ObjectNode request, String status, List<Object> output,
                                        Map<String, Object> usage, Long completedAt) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", ids.response());
        r.put("object", "response");
        r.put("created_at", System.currentTimeMillis() / 1000);
        r.put("completed_at", completedAt);
        r.put("status", status);
        r.put("incomplete_details", null);
        r.put("model", model);
        r.put("previous_response_id", null);
        JsonNode instructions = request.get("instructions");
        r.put("instructions", instructions != null && instructions.isTextual() && !instructions.asText().isEmpty() ? instructions.asText() : null);
        r.put("output", output);
        r.put("error", null);
        r.put("tools", request.has("tools") && request.get("tools").isArray() ? request.get("tools") : List.of());
        r.put("tool_choice", "auto");
        r.put("truncation", request.path("truncation").asText("disabled"));
        r.put("parallel_tool_calls", true);
        JsonNode format = request.path("text").path("format");
        r.put("text", Map.of("format", format.isObject() ? format : Map.of("type", "text")));
        r.put("top_p", request.path("top_p").isNumber() ? request.get("top_p").asDouble() : 1.0);
        r.put("presence_penalty", 0);
        r.put("frequency_penalty", 0);
        r.put("top_logprobs", 0);
        r.put("temperature", request.path("temperature").isNumber() ? request.get("temperature").asDouble() : 1.0);
        r.put("reasoning", request.path("reasoning").isObject() ? request.get("reasoning") : null);
        r.put("usage", usage);
        r.put("max_output_tokens", request.path("max_output_tokens").isIntegralNumber() ? request.get("max_output_tokens").asInt() : null);
        r.put("max_tool_calls", null);
        r.put("store", false);
        r.put("background", request.path("background").asBoolean(false));
        r.put("service_tier", "default");
        r.put("metadata", Map.of());
        r.put("safety_identifier", null);
        r.put("prompt_cache_key", null);
        return r;
    }

    static Map<String, Object> messageItem(String id, String status, String text) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        item.put("content", text == null ? List.of() : List.of(outputText(text)));
        return item;
    }

    static Map<String, Object> outputText(String text) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("type", "output_text");
        part.put("text", text);
        part.put("annotations", List.of());
        part.put("logprobs", List.of());
        return part;
    }

    static Map<String, Object> usage(ChatResponse reply) {
        var m = reply.metrics();
        int in = m == null || m.promptEvalCount() == null ? 0 : m.promptEvalCount();
        int out = m == null || m.evalCount() == null ? 0 : m.evalCount();
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", in);
        usage.put("output_tokens", out);
        usage.put("total_tokens", in + out);
        usage.put("input_tokens_details", Map.of("cached_tokens", 0));
        usage.put("output_tokens_details", Map.of("reasoning_tokens", 0));
        return usage;
    }

    /** A {@code function_call} output item; {@code arguments} is JSON text, as OpenAI's. */
    static Map<String, Object> functionCallItem(String id, String status, dev.bastion.api.types.ToolCall call, boolean withArguments) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("type", "function_call");
        item.put("status", status);
        item.put("call_id", call.id());
        item.put("name", call.function().name());
        item.put("arguments", withArguments ? arguments(call) : "");
        return item;
    }

    static String arguments(dev.bastion.api.types.ToolCall call) {
        JsonNode a = call.function().arguments();
        return a == null || a.isNull() ? "{}" : a.toString();
    }

    /** The whole (non-streamed) reply: the text as a message item, then each tool call as a function_call item. */
    public static Map<String, Object> toResponse(Ids ids, String model, ObjectNode request, ChatResponse reply) {
        List<Object> output = new ArrayList<>();
        List<dev.bastion.api.types.ToolCall> calls = reply.message().toolCalls();
        boolean hasCalls = calls != null && !calls.isEmpty();
        if (!hasCalls || (reply.content() != null && !reply.content().isEmpty())) {
            output.add(messageItem(ids.item(), "completed", reply.content() == null ? "" : reply.content()));
        }
        if (hasCalls) {
            for (int i = 0; i < calls.size(); i++) {
                output.add(functionCallItem("fc_" + ids.response().substring("resp_".length()) + "_" + i, "completed", calls.get(i), true));
            }
        }
        Map<String, Object> r = response(ids, model, request, "completed", output, usage(reply), System.currentTimeMillis() / 1000);
        if ("length".equals(reply.doneReason())) {
            r.put("status", "incomplete");
            r.put("incomplete_details", Map.of("reason", "max_output_tokens"));
        }
        return r;
    }

    /** A stream's failure event. */
    public static Map<String, Object> error(String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "error");
        e.put("code", "server_error");
        e.put("message", message);
        e.put("param", null);
        return e;
    }
}
