package dev.bastion.api.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.types.ChatResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A streamed reply as the Responses API's events, in Ollama's order: {@code response.created},
 * {@code response.in_progress}, {@code response.output_item.added}, {@code response.content_part.added},
 * {@code response.output_text.delta}…, {@code response.output_text.done}, {@code response.content_part.done},
 * {@code response.output_item.done}, {@code response.completed}; each with its {@code sequence_number}.
 * One per request; not thread-safe.
 */
public final class StreamEvents {

    /** One event: its name and data (the data's {@code type} is the name). */
    public record Event(String name, Map<String, Object> data) {}

    private final Responses.Ids ids;
    private final String model;
    private final ObjectNode request;
    private int sequence;
    private boolean started;
    private boolean textStarted;
    private final StringBuilder text = new StringBuilder();
    /** Finished output items, in output order, for {@code response.completed}. */
    private final List<Object> output = new ArrayList<>();
    private int outputIndex;

    public StreamEvents(Responses.Ids ids, String model, ObjectNode request) {
        this.ids = ids;
        this.model = model;
        this.request = request;
    }

    private Event event(String name, Map<String, Object> data) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", name);
        d.put("sequence_number", sequence++);
        d.putAll(data);
        return new Event(name, d);
    }

    public List<Event> of(ChatResponse reply) {
        List<Event> events = new ArrayList<>();
        if (!started) {
            started = true;
            events.add(event("response.created", Map.of("response",
                    Responses.response(ids, model, request, "in_progress", List.of(), null, null))));
            events.add(event("response.in_progress", Map.of("response",
                    Responses.response(ids, model, request, "in_progress", List.of(), null, null))));
        }
        var message = reply.message();
        if ("tool".equals(message.role())) return events; // a server-side tool's result: no output item for it
        if (message.toolCalls() != null && !message.toolCalls().isEmpty()) {
            finishText(events);
            for (var call : message.toolCalls()) {
                String itemId = "fc_" + ids.response().substring("resp_".length()) + "_" + outputIndex;
                Map<String, Object> done = Responses.functionCallItem(itemId, "completed", call, true);
                events.add(event("response.output_item.added", Map.of("output_index", outputIndex,
                        "item", Responses.functionCallItem(itemId, "in_progress", call, false))));
                events.add(event("response.function_call_arguments.delta", Map.of("item_id", itemId, "output_index", outputIndex,
                        "delta", Responses.arguments(call))));
                events.add(event("response.function_call_arguments.done", Map.of("item_id", itemId, "output_index", outputIndex,
                        "arguments", Responses.arguments(call))));
                events.add(event("response.output_item.done", Map.of("output_index", outputIndex, "item", done)));
                output.add(done);
                outputIndex++;
            }
        }
        String piece = reply.content();
        if (piece != null && !piece.isEmpty()) {
            if (!textStarted) {
                textStarted = true;
                events.add(event("response.output_item.added", Map.of("output_index", outputIndex,
                        "item", Responses.messageItem(itemId(), "in_progress", null))));
                events.add(event("response.content_part.added", Map.of("item_id", itemId(), "output_index", outputIndex,
                        "content_index", 0, "part", Responses.outputText(""))));
            }
            text.append(piece);
            events.add(event("response.output_text.delta", Map.of("item_id", itemId(), "output_index", outputIndex,
                    "content_index", 0, "delta", piece, "logprobs", List.of())));
        }
        if (reply.done()) {
            finishText(events);
            Map<String, Object> response = Responses.response(ids, model, request, "completed", List.copyOf(output),
                    Responses.usage(reply), System.currentTimeMillis() / 1000);
            events.add(event("response.completed", Map.of("response", response)));
        }
        return events;
    }

    /** The message item's id: the response's for the first, numbered after it for text after tool calls. */
    private String itemId() {
        return outputIndex == 0 ? ids.item() : ids.item() + "_" + outputIndex;
    }

    private void finishText(List<Event> events) {
        if (!textStarted) return;
        textStarted = false;
        String all = text.toString();
        text.setLength(0);
        events.add(event("response.output_text.done", Map.of("item_id", itemId(), "output_index", outputIndex,
                "content_index", 0, "text", all, "logprobs", List.of())));
        events.add(event("response.content_part.done", Map.of("item_id", itemId(), "output_index", outputIndex,
                "content_index", 0, "part", Responses.outputText(all))));
        Map<String, Object> item = Responses.messageItem(itemId(), "completed", all);
        events.add(event("response.output_item.done", Map.of("output_index", outputIndex, "item", item)));
        output.add(item);
        outputIndex++;
    }
}
