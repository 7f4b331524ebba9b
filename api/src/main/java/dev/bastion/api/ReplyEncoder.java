package dev.bastion.api;

import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.ErrorResponse;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

/** How one API puts the one generation path's {@link ChatResponse}s on the wire, streamed or whole. */
interface ReplyEncoder {

    /** The streamed response's content type. */
    String contentType();

    /** Writes a streamed piece, or the last reply object ({@code done}). */
    void write(HttpIo.Stream out, ChatResponse reply);

    /** Ends a stream that failed after it started, with {@code message} (safe to show). */
    void fail(HttpIo.Stream out, String message);

    /** The body of a whole (non-streamed) reply. */
    Object whole(ChatResponse reply);

    /** Ollama's: one JSON object a line, each {@code reply} as {@code translate} makes it; a failure as {@code {"error"}}. */
    static ReplyEncoder ndjson(Function<ChatResponse, Object> translate) {
        return new ReplyEncoder() {
            @Override
            public String contentType() {
                return "application/x-ndjson";
            }

            @Override
            public void write(HttpIo.Stream out, ChatResponse reply) {
                out.ndjson(translate.apply(reply));
            }

            @Override
            public void fail(HttpIo.Stream out, String message) {
                out.ndjson(new ErrorResponse(message, null));
            }

            @Override
            public Object whole(ChatResponse reply) {
                return translate.apply(reply);
            }
        };
    }

    /**
     * OpenAI's: server-sent events, each reply as the chunks {@code chunks} makes of it (told whether it is the
     * first), ended by {@code [DONE]}, also after a failure.
     */
    static ReplyEncoder sse(BiFunction<ChatResponse, Boolean, List<?>> chunks, Function<ChatResponse, Object> whole,
                            Function<String, Object> failure) {
        AtomicBoolean first = new AtomicBoolean(true);
        return new ReplyEncoder() {
            @Override
            public String contentType() {
                return "text/event-stream";
            }

            @Override
            public void write(HttpIo.Stream out, ChatResponse reply) {
                chunks.apply(reply, first.getAndSet(false)).forEach(out::sse);
                if (reply.done()) out.sseRaw("[DONE]");
            }

            @Override
            public void fail(HttpIo.Stream out, String message) {
                out.sse(failure.apply(message));
                out.sseRaw("[DONE]");
            }

            @Override
            public Object whole(ChatResponse reply) {
                return whole.apply(reply);
            }
        };
    }

    /**
     * Named server-sent events (Anthropic's Messages, OpenAI's Responses): each reply as the events {@code events}
     * makes of it; a failure after the stream started as the one event {@code failure} makes. No {@code [DONE]}.
     */
    static ReplyEncoder events(Function<ChatResponse, List<NamedEvent>> events, Function<ChatResponse, Object> whole,
                               Function<String, NamedEvent> failure) {
        return new ReplyEncoder() {
            @Override
            public String contentType() {
                return "text/event-stream";
            }

            @Override
            public void write(HttpIo.Stream out, ChatResponse reply) {
                events.apply(reply).forEach(e -> out.sseEvent(e.name(), e.data()));
            }

            @Override
            public void fail(HttpIo.Stream out, String message) {
                NamedEvent e = failure.apply(message);
                out.sseEvent(e.name(), e.data());
            }

            @Override
            public Object whole(ChatResponse reply) {
                return whole.apply(reply);
            }
        };
    }

    /** A server-sent event's name and its JSON data. */
    record NamedEvent(String name, Object data) {}
}
