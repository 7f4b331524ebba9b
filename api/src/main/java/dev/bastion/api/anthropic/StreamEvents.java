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
        String text = reply.content();
        if (text != null && !text.isEmpty()) {
            if (!textOpen) {
                textOpen = true;
                events.add(new Wire.Event("content_block_start",
                        new Wire.ContentBlockStart("content_block_start", 0, Wire.ContentBlock.text(""))));
            }
            events.add(new Wire.Event("content_block_delta",
                    new Wire.ContentBlockDelta("content_block_delta", 0, new Wire.Delta("text_delta", text))));
        }
        if (reply.done()) {
            if (textOpen) events.add(new Wire.Event("content_block_stop", new Wire.ContentBlockStop("content_block_stop", 0)));
            events.add(new Wire.Event("message_delta", new Wire.MessageDelta("message_delta",
                    new Wire.MessageDeltaBody(Anthropic.stopReason(reply.doneReason(), false), null), Anthropic.usage(reply))));
            events.add(new Wire.Event("message_stop", new Wire.MessageStop("message_stop")));
        }
        return events;
    }
}
