package dev.bastion.engine.toolcall;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits a model's reply, as it streams, into content and the tool calls of its {@link ToolCallFormat}: text before a
 * tool-call marker is content at once, a call is given when complete. Output that looks like a call but does not parse
 * is content, never an error. Not thread-safe: one parser per reply.
 */
public final class ToolCallParser {

    /** What the reply held: text to show, or a complete call. */
    public sealed interface Event {}

    public record Text(String text) implements Event {}

    public record Call(ToolCall call) implements Event {}

    /** Strict (one value, nothing after it) and shallow: a model's arguments do not nest 64 deep. */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private enum Mode { START, TEXT, HERMES_BLOCK, HELD }

    private final ToolCallFormat format;
    private final StringBuilder pending = new StringBuilder();
    private Mode mode = Mode.START;
    private boolean sawCall;

    public ToolCallParser(ToolCallFormat format) {
        this.format = format;
    }

    /** Takes the next generated piece; returns what can be given now (possibly nothing). */
    public List<Event> feed(String piece) {
        pending.append(piece);
        List<Event> events = new ArrayList<>();
        advance(events);
        return events;
    }

    /** The reply ended: what was held back, as calls or (when it does not parse) as text. */
    public List<Event> finish() {
        List<Event> events = new ArrayList<>();
        String rest = pending.toString();
        pending.setLength(0);
        switch (mode) {
            case START, TEXT -> text(events, rest);
            case HERMES_BLOCK -> {
                // a block the model never closed: a call when its JSON is whole, else text
                String body = rest.substring(ToolCallFormat.HERMES_OPEN.length());
                Optional<ToolCall> call = callObject(body);
                if (call.isPresent()) call(events, call.get()); else text(events, rest);
            }
            case HELD -> {
                List<ToolCall> calls = heldCalls(rest);
                if (calls.isEmpty()) text(events, rest); else calls.forEach(c -> call(events, c));
            }
        }
        return events;
    }

    private void advance(List<Event> events) {
        while (true) {
            switch (mode) {
                case START -> {
                    String lead = pending.toString().stripLeading();
                    if (lead.isEmpty()) return; // whitespace only, so far
                    if (format.bareJson() && (lead.startsWith("{") || lead.startsWith("["))) {
                        mode = Mode.HELD; // Llama/Mistral reply with the call alone: decided at the end
                        return;
                    }
                    mode = Mode.TEXT;
                }
                case TEXT -> {
                    String text = pending.toString();
                    int at = -1;
                    String marker = null;
                    for (String m : format.markers()) {
                        int i = text.indexOf(m);
                        if (i >= 0 && (at < 0 || i < at)) {
                            at = i;
                            marker = m;
                        }
                    }
                    if (marker == null) {
                        int keep = partialMarkerSuffix(text);
                        // after a call, whitespace is held: it is no content of its own
                        if (sawCall && text.substring(0, text.length() - keep).isBlank()) keep = text.length();
                        emitText(events, text.substring(0, text.length() - keep));
                        pending.delete(0, text.length() - keep);
                        return;
                    }
                    text(events, text.substring(0, at));
                    pending.delete(0, at);
                    mode = marker.equals(ToolCallFormat.HERMES_OPEN) ? Mode.HERMES_BLOCK : Mode.HELD;
                }
                case HERMES_BLOCK -> {
                    int close = pending.indexOf(ToolCallFormat.HERMES_CLOSE);
                    if (close < 0) return;
                    String block = pending.substring(0, close + ToolCallFormat.HERMES_CLOSE.length());
                    pending.delete(0, block.length());
                    Optional<ToolCall> call = callObject(block.substring(ToolCallFormat.HERMES_OPEN.length(), close));
                    if (call.isPresent()) call(events, call.get()); else emitText(events, block);
                    mode = Mode.TEXT;
                }
                case HELD -> {
                    return;
                }
            }
        }
    }

    private void emitText(List<Event> events, String text) {
        if (!text.isEmpty()) events.add(new Text(text));
    }

    /** Text at the end; blank text after a call is dropped. */
    private void text(List<Event> events, String text) {
        if (sawCall && text.isBlank()) return;
        emitText(events, text);
    }

    private void call(List<Event> events, ToolCall call) {
        sawCall = true;
        events.add(new Call(call));
    }

    /** How many characters at the end of {@code text} could begin a marker, so must wait for the next piece. */
    private int partialMarkerSuffix(String text) {
        int keep = 0;
        for (String m : format.markers()) {
            for (int n = Math.min(m.length() - 1, text.length()); n > keep; n--) {
                if (text.endsWith(m.substring(0, n))) {
                    keep = n;
                    break;
                }
            }
        }
        return keep;
    }

    /** The calls in a held reply: after a Llama or Mistral marker, or bare JSON; none when any part does not parse. */
    private static List<ToolCall> heldCalls(String held) {
        String s = held.strip();
        if (s.startsWith(ToolCallFormat.PYTHON_TAG)) return llamaCalls(s.substring(ToolCallFormat.PYTHON_TAG.length()));
        if (s.startsWith(ToolCallFormat.MISTRAL_CALLS)) return mistralCalls(s);
        return jsonCalls(s);
    }

    /** After {@code <|python_tag|>}: one JSON call, or several separated by ';', up to an end-of-message token. */
    private static List<ToolCall> llamaCalls(String s) {
        for (String end : List.of("<|eom_id|>", "<|eot_id|>")) {
            if (s.endsWith(end)) s = s.substring(0, s.length() - end.length());
        }
        List<ToolCall> whole = jsonCalls(s.strip());
        if (!whole.isEmpty()) return whole;
        List<ToolCall> calls = new ArrayList<>();
        for (String part : s.split(";")) {
            Optional<ToolCall> call = callObject(part);
            if (call.isEmpty()) return List.of();
            calls.add(call.get());
        }
        return calls;
    }

    /**
     * {@code [TOOL_CALLS][{…}, …]} (before tokenizer v11), or {@code [TOOL_CALLS]name[ARGS]{…}} repeated (v11+; with
     * {@code [ARGS]} decoded away, {@code [TOOL_CALLS]name{…}}).
     */
    private static List<ToolCall> mistralCalls(String s) {
        List<ToolCall> calls = new ArrayList<>();
        for (String part : s.split("\\[TOOL_CALLS]", -1)) {
            part = part.strip();
            if (part.isEmpty()) continue;
            if (part.startsWith("[") || part.startsWith("{")) {
                List<ToolCall> listed = jsonCalls(part);
                if (listed.isEmpty()) return List.of();
                calls.addAll(listed);
                continue;
            }
            int args = part.indexOf(ToolCallFormat.MISTRAL_ARGS);
            int json = args >= 0 ? args + ToolCallFormat.MISTRAL_ARGS.length() : part.indexOf('{');
            if (json < 0) return List.of();
            String name = part.substring(0, args >= 0 ? args : json).strip();
            Optional<ObjectNode> arguments = arguments(part.substring(json).strip());
            if (name.isEmpty() || arguments.isEmpty()) return List.of();
            calls.add(new ToolCall(null, name, arguments.get()));
        }
        return calls;
    }

    /** A JSON call object, or an array of them. */
    private static List<ToolCall> jsonCalls(String s) {
        JsonNode node = parse(s);
        if (node == null) return List.of();
        if (node.isObject()) return callObject(node).map(List::of).orElse(List.of());
        if (!node.isArray() || node.isEmpty()) return List.of();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode element : node) {
            Optional<ToolCall> call = callObject(element);
            if (call.isEmpty()) return List.of();
            calls.add(call.get());
        }
        return calls;
    }

    private static Optional<ToolCall> callObject(String s) {
        JsonNode node = parse(s.strip());
        return node == null ? Optional.empty() : callObject(node);
    }

    /**
     * {@code {"name": …, "arguments" | "parameters": {…}}}; arguments given as a JSON string (as some models write
     * them) are read as the object they hold.
     */
    private static Optional<ToolCall> callObject(JsonNode node) {
        if (!node.isObject()) return Optional.empty();
        JsonNode name = node.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) return Optional.empty();
        JsonNode args = node.has("arguments") ? node.get("arguments") : node.get("parameters");
        String id = node.path("id").isTextual() ? node.get("id").asText() : null;
        if (args == null || args.isNull()) return Optional.of(new ToolCall(id, name.asText(), JSON.createObjectNode()));
        if (args.isTextual()) return arguments(args.asText()).map(a -> new ToolCall(id, name.asText(), a));
        if (!args.isObject()) return Optional.empty();
        return Optional.of(new ToolCall(id, name.asText(), (ObjectNode) args));
    }

    private static Optional<ObjectNode> arguments(String s) {
        JsonNode node = parse(s);
        return node instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
    }

    private static JsonNode parse(String s) {
        if (s.isEmpty()) return null;
        try {
            return JSON.readTree(s);
        } catch (JsonProcessingException e) {
            return null; // not a call: the caller keeps the text as content
        }
    }
}
