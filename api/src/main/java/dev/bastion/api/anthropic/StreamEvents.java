package dev.bastion.api.anthropic;

import dev.bastion.api.types.ChatResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * A streamed reply as Anthropic's event sequence: {@code message_start}, then for the text one
 * {@code content_block_start}, its {@code content_block_delta}s and {@code content_block_stop}, then
 * {@code message_delta} (stop reason, usage) and {@code message_stop}. One per request; not thread-safe.
 */
public final class StreamEvents {

    private final String id;
    private final String model;
    private boolean started;
    private boolean textOpen;
    /** The index of the next content block. */
    private int index;
    /** Whether the last step called tools the client is to run (a server-side tool's result resets it). */
    private boolean clientCalls;

    public StreamEvents(String id, String model) {
        this.id = id;
        this.model = model;
    }

    public List<Wire.Event> of(ChatResponse reply) {
        List<Wire.Event> events = new ArrayList<>();
        if (!started) {
            started = true;
            events.add(new Wire.Event("message_start", new Wire.MessageStart("message_start", new Wire.MessagesResponse(id,
                    "message", "assistant", model, List.of(), null, null, new Wire.Usage(0, 0)))));
        }
        var message = reply.message();
        if ("tool".equals(message.role())) {
            clientCalls = false; // a server-side tool's result: Anthropic's stream has no block for it
            return events;
        }
        if (message.toolCalls() != null && !message.toolCalls().isEmpty()) {
            closeText(events);
            for (var call : message.toolCalls()) {
                Wire.ContentBlock block = Anthropic.toolUse(call);
                events.add(new Wire.Event("content_block_start", new Wire.ContentBlockStart("content_block_start", index,
                        Wire.ContentBlock.toolUse(block.id(), block.name(), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()))));
                events.add(new Wire.Event("content_block_delta", new Wire.ContentBlockDelta("content_block_delta", index,
                        new Wire.Delta("input_json_delta", null, block.input().toString()))));
                events.add(new Wire.Event("content_block_stop", new Wire.ContentBlockStop("content_block_stop", index)));
                index++;
            }
            clientCalls = true;
        }
        String text = reply.content();
        if (text != null && !text.isEmpty()) {
            if (!textOpen) {
                textOpen = true;
                events.add(new Wire.Event("content_block_start",
                        new Wire.ContentBlockStart("content_block_start", index, Wire.ContentBlock.text(""))));
            }
            events.add(new Wire.Event("content_block_delta",
                    new Wire.ContentBlockDelta("content_block_delta", index, new Wire.Delta("text_delta", text, null))));
        }
        if (reply.done()) {
            closeText(events);
            events.add(new Wire.Event("message_delta", new Wire.MessageDelta("message_delta",
                    new Wire.MessageDeltaBody(Anthropic.stopReason(reply.doneReason(), clientCalls), null), Anthropic.usage(reply))));
            events.add(new Wire.Event("message_stop", new Wire.MessageStop("message_stop")));
        }
        return events;
    }

    private void closeText(List<Wire.Event> events) {
        if (!textOpen) return;
        textOpen = false;
        events.add(new Wire.Event("content_block_stop", new Wire.ContentBlockStop("content_block_stop", index)));
        index++;
    }
}
