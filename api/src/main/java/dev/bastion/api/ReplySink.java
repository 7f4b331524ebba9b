package dev.bastion.api;

import dev.bastion.api.types.Logprob;

import java.util.List;

import dev.bastion.engine.toolcall.ToolCall;

/** Receives a reply as it is generated: its text, and (when tools were offered) each tool call once complete. */
interface ReplySink {

    ReplySink IGNORE = new ReplySink() {
        @Override
        public void content(String text) {}

        @Override
        public void toolCall(ToolCall call) {}
    };

    void content(String text);

    /** Text with the log probabilities of the tokens that arrived since the last call (when asked for; else empty). */
    default void content(String text, List<Logprob> logprobs) {
        if (!text.isEmpty()) content(text);
    }

    /** A thinking model's reasoning, split from the content, with the log probabilities as for {@link #content}. */
    default void thinking(String text, List<Logprob> logprobs) {}

    /** A complete call, with its id. */
    void toolCall(ToolCall call);
}
