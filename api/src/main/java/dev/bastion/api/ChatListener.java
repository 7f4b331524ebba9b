package dev.bastion.api;

import dev.bastion.api.types.ChatResponse;

/** What a module hears of one chat it ran through {@link Chats}. */
public interface ChatListener {

    /** Each streamed piece as it is written (text, reasoning, a tool call, a server-side tool's result). */
    default void chunk(ChatResponse piece) {
    }

    /** Once, when the generation ended however it ended, before the client gets the last line. */
    void finished(ChatSummary summary);
}
