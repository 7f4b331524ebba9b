package dev.bastion.api;

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

    /** A complete call, with its id. */
    void toolCall(ToolCall call);
}
