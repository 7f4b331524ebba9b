package dev.bastion.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.tools.ToolDescriptor;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.types.ToolCall;
import dev.bastion.api.types.ToolCall.Function;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A chat request's {@code tools}: the functions offered to the model (passed to its template as given), and the opt-in
 * to server-side tools, {@code {"type": "mcp", "mcp": {"tools": ["files__*", "shell__run"], "max_steps": 8}}}: the
 * caller's tools from the {@link ToolGateway} that match a pattern (a full name, or a prefix ending in {@code *}) are
 * offered too, and the server runs the model's calls of them.
 */
final class ChatTools {

    static final int DEFAULT_MAX_STEPS = 8;
    static final int MAX_STEPS = 32;
    private static final int MAX_PATTERNS = 256;
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * The server-side part: the gateway, the tools it runs for this caller (by full name) and the bound on model steps.
     */
    record ServerTools(ToolGateway gateway, Map<String, ToolDescriptor> tools, int maxSteps) {
        boolean runsAll(List<dev.bastion.engine.toolcall.ToolCall> calls) {
            return calls.stream().allMatch(c -> tools.containsKey(c.name()));
        }
    }

    /** @param functions offered to the model; @param server null unless asked for */
    record Request(List<JsonNode> functions, ServerTools server) {
        static final Request NONE = new Request(List.of(), null);
    }

    private ChatTools() {}

    /**
     * Checks {@code tools} and resolves the server-side opt-in for {@code caller}.
     *
     * @param gateway the server's tool gateway, if a module offers one
     */
    static Request read(JsonNode tools, Caller caller, Optional<ToolGateway> gateway) {
        if (!JsonFields.given(tools)) return Request.NONE;
        if (!tools.isArray()) throw ApiException.badRequest("'tools' must be an array", "tools");
        List<JsonNode> functions = new ArrayList<>();
        JsonNode mcp = null;
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String path = "tools[" + i + "]";
            String type = tool.path("type").textValue();
            if ("function".equals(type)) {
                JsonNode name = tool.path("function").path("name");
                if (!name.isTextual() || name.asText().isBlank()) {
                    throw ApiException.badRequest("'" + path + ".function.name' must be a non-empty string", "tools");
                }
                functions.add(tool);
            } else if ("mcp".equals(type)) {
                if (mcp != null) throw ApiException.badRequest("only one 'tools' entry may be of type \"mcp\"", "tools");
                mcp = tool.path("mcp");
            } else {
                throw ApiException.badRequest("'" + path + ".type' must be \"function\" or \"mcp\"", "tools");
            }
        }
        if (mcp == null) return new Request(functions, null);
        ServerTools server = server(mcp, caller, gateway.orElseThrow(
                () -> ApiException.badRequest("server-side tools (\"type\": \"mcp\") are not available on this server", "tools")));
        for (ToolDescriptor t : server.tools().values()) functions.add(function(t));
        return new Request(functions, server);
    }

    private static ServerTools server(JsonNode mcp, Caller caller, ToolGateway gateway) {
        JsonNode patterns = mcp.path("tools");
        if (!patterns.isArray() || patterns.isEmpty() || patterns.size() > MAX_PATTERNS) {
            throw ApiException.badRequest("'tools[].mcp.tools' must be an array of 1 to " + MAX_PATTERNS + " tool names or patterns", "tools");
        }
        List<String> wanted = new ArrayList<>();
        for (JsonNode p : patterns) {
            if (!p.isTextual() || p.asText().isEmpty()) throw ApiException.badRequest("'tools[].mcp.tools[]' must be non-empty strings", "tools");
            wanted.add(p.asText());
        }
        int maxSteps = DEFAULT_MAX_STEPS;
        JsonNode steps = mcp.get("max_steps");
        if (JsonFields.given(steps)) {
            if (!steps.canConvertToExactIntegral() || steps.asInt() < 1 || steps.asInt() > MAX_STEPS) {
                throw ApiException.badRequest("'tools[].mcp.max_steps' must be an integer in [1, " + MAX_STEPS + "]", "tools");
            }
            maxSteps = steps.asInt();
        }
        Map<String, ToolDescriptor> offered = new LinkedHashMap<>();
        for (ToolDescriptor t : gateway.toolsFor(caller)) {
            if (wanted.stream().anyMatch(p -> matches(p, t.name()))) offered.put(t.name(), t);
        }
        return new ServerTools(gateway, Map.copyOf(offered), maxSteps);
    }

    /** A full name, or a prefix ending in '*'; exact and case-sensitive, as the gateway's names are. */
    static boolean matches(String pattern, String name) {
        return pattern.endsWith("*") ? name.startsWith(pattern.substring(0, pattern.length() - 1)) : name.equals(pattern);
    }

    /** A gateway tool as the function a template offers. */
    private static JsonNode function(ToolDescriptor t) {
        ObjectNode tool = JsonFields.MAPPER.createObjectNode().put("type", "function");
        ObjectNode function = tool.putObject("function").put("name", t.name());
        if (t.description() != null) function.put("description", t.description());
        function.set("parameters", t.inputSchema() == null ? JsonFields.MAPPER.createObjectNode().put("type", "object") : t.inputSchema());
        return tool;
    }

    /** A message's tool calls as the engine's, for the template; arguments may be an object or a JSON string of one. */
    static List<dev.bastion.engine.toolcall.ToolCall> fromWire(List<ToolCall> calls, String path) {
        if (calls == null) return List.of();
        List<dev.bastion.engine.toolcall.ToolCall> out = new ArrayList<>();
        for (ToolCall c : calls) {
            Function f = c == null ? null : c.function();
            if (f == null || f.name() == null || f.name().isBlank()) {
                throw ApiException.badRequest("'" + path + ".tool_calls[].function.name' is required", path + ".tool_calls");
            }
            out.add(new dev.bastion.engine.toolcall.ToolCall(c.id(), f.name(), arguments(f.arguments(), path)));
        }
        return out;
    }

    static ObjectNode arguments(JsonNode arguments, String path) {
        if (!JsonFields.given(arguments)) return JsonFields.MAPPER.createObjectNode();
        if (arguments instanceof ObjectNode o) return o;
        if (arguments.isTextual()) {
            try {
                if (JsonFields.MAPPER.readTree(arguments.asText()) instanceof ObjectNode o) return o;
            } catch (JsonProcessingException e) {
                // refused below
            }
        }
        throw ApiException.badRequest("'" + path + ".tool_calls[].function.arguments' must be a JSON object", path + ".tool_calls");
    }

    /** The engine's calls as Ollama's wire calls, each with an id (the model's, or a new one) and its index in the reply. */
    static List<ToolCall> toWire(List<dev.bastion.engine.toolcall.ToolCall> calls, int firstIndex) {
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            var c = calls.get(i);
            out.add(new ToolCall(c.id(), new Function(firstIndex + i, c.name(), c.arguments())));
        }
        return out;
    }

    /** A new call id: 9 alphanumerics, the form Mistral's templates insist on and any other client accepts. */
    static String newId() {
        StringBuilder sb = new StringBuilder(9);
        for (int i = 0; i < 9; i++) sb.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
        return sb.toString();
    }
}
