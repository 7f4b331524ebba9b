package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.toolcall.ToolCall;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * What Ollama gives a TEMPLATE that ranges over {@code .Messages}: {@code .System} (every system message, joined by
 * a blank line), {@code .Messages} (runs of one role joined the same way; tool calls as {@code .ToolCalls} with
 * {@code .Function.Name} and {@code .Function.Arguments}), {@code .Tools}, and empty {@code .Prompt} and
 * {@code .Response}. JSON is laid out as Go's encoding/json writes Ollama's types: a tool's fields in their struct
 * order, the keys of maps (arguments, schema properties) sorted.
 */
final class GoTemplateData {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> PROPERTY_ORDER = List.of("type", "items", "description", "enum");

    private GoTemplateData() {}

    static JsonNode of(List<ChatMessage> messages, List<JsonNode> tools) {
        ObjectNode root = NODES.objectNode();
        List<String> system = new ArrayList<>();
        ArrayNode collated = NODES.arrayNode();
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) system.add(m.content());
            ObjectNode last = collated.isEmpty() ? null : (ObjectNode) collated.get(collated.size() - 1);
            if (last != null && last.get("role").asText().equals(m.role()) && m.toolCalls().isEmpty() && !last.has("tool_calls")
                    && !m.role().equals("tool")) {
                last.put("content", last.get("content").asText() + "\n\n" + m.content());
                continue;
            }
            collated.add(message(m));
        }
        root.put("system", String.join("\n\n", system));
        root.set("messages", collated);
        ArrayNode toolArray = root.putArray("tools");
        tools.forEach(t -> toolArray.add(tool(t)));
        root.put("prompt", "");
        root.put("response", "");
        return root;
    }

    /**
     * What Ollama gives a template without .Messages for one exchange. {@code .Think} is "true" or empty (its truth
     * is what templates test).
     */
    static JsonNode exchange(String system, String prompt, String response, PromptOptions options) {
        return NODES.objectNode().put("system", system).put("prompt", prompt).put("response", response)
                .put("suffix", options.suffix() == null ? "" : options.suffix())
                .put("think", Boolean.TRUE.equals(options.think()) ? "true" : "")
                .put("thinkLevel", options.thinkLevel() == null ? "" : options.thinkLevel())
                .put("isThinkSet", options.think() != null);
    }

    /** What Ollama gives any template for fill-in-the-middle: .Prompt, .Suffix and an empty .Response. */
    static JsonNode insert(String prompt, String suffix) {
        return NODES.objectNode().put("prompt", prompt).put("suffix", suffix).put("response", "");
    }

    private static ObjectNode message(ChatMessage m) {
        ObjectNode out = NODES.objectNode().put("role", m.role()).put("content", m.content());
        if (!m.toolCalls().isEmpty()) {
            ArrayNode calls = out.putArray("tool_calls");
            for (int i = 0; i < m.toolCalls().size(); i++) {
                ToolCall c = m.toolCalls().get(i);
                ObjectNode call = calls.addObject();
                if (c.id() != null) call.put("id", c.id());
                call.putObject("function").put("index", i).put("name", c.name()).set("arguments", sorted(c.arguments()));
            }
        }
        if (m.toolName() != null) out.put("tool_name", m.toolName());
        if (m.toolCallId() != null) out.put("tool_call_id", m.toolCallId());
        return out;
    }

    /** A tool as Ollama's api.Tool marshals: type, function {name, description, parameters {type, $defs, items, required, properties}}. */
    private static JsonNode tool(JsonNode t) {
        ObjectNode out = NODES.objectNode();
        copy(t, out, "type");
        JsonNode f = t.path("function");
        ObjectNode function = out.putObject("function");
        copy(f, function, "name");
        copy(f, function, "description");
        JsonNode p = f.path("parameters");
        if (p.isObject()) {
            ObjectNode parameters = function.putObject("parameters");
            for (String key : List.of("type", "$defs", "items", "required")) copy(p, parameters, key);
            JsonNode props = p.path("properties");
            if (props.isObject()) {
                ObjectNode properties = parameters.putObject("properties");
                TreeMap<String, JsonNode> byName = new TreeMap<>();
                props.fields().forEachRemaining(e -> byName.put(e.getKey(), e.getValue()));
                byName.forEach((name, prop) -> properties.set(name, property(prop)));
            }
        }
        return out;
    }

    private static JsonNode property(JsonNode prop) {
        if (!prop.isObject()) return prop;
        ObjectNode out = NODES.objectNode();
        for (String key : PROPERTY_ORDER) copy(prop, out, key);
        for (Iterator<String> it = prop.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!out.has(key)) out.set(key, prop.get(key));
        }
        return out;
    }

    private static void copy(JsonNode from, ObjectNode to, String key) {
        JsonNode v = from.get(key);
        if (v != null && !v.isNull()) to.set(key, v);
    }

    /** A Go map[string]any as it marshals: keys sorted, at every depth. */
    private static JsonNode sorted(JsonNode v) {
        if (v.isObject()) {
            ObjectNode out = NODES.objectNode();
            TreeMap<String, JsonNode> byKey = new TreeMap<>();
            v.fields().forEachRemaining(e -> byKey.put(e.getKey(), e.getValue()));
            byKey.forEach((k, child) -> out.set(k, sorted(child)));
            return out;
        }
        if (v.isArray()) {
            ArrayNode out = NODES.arrayNode();
            v.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return v;
    }
}
