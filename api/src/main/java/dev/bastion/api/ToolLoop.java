package dev.bastion.api;

import dev.bastion.api.tools.ToolOutcome;
import dev.bastion.api.types.Message;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.toolcall.ToolCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat's generation steps. Without server-side tools, one. With them ({@link GenerationCall#serverTools()}), while
 * the model calls only tools the server runs: each call runs through the gateway as the caller, its result (an error
 * too) is appended as a {@code tool} message and the model goes on, up to the step bound. The loop ends, giving the
 * last step's calls to the client unrun, when a step calls a tool the server does not run, the bound is reached or
 * the client went away.
 */
final class ToolLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ToolLoop.class);

    /** What each step shows the client. */
    interface Events {
        Events IGNORE = new Events() {
            @Override
            public void content(String text) {}

            @Override
            public void toolCall(ToolCall call, int index) {}

            @Override
            public void toolResult(Message result) {}
        };

        void content(String text);

        /** A call of the model, {@code index} its place among its step's calls. */
        void toolCall(ToolCall call, int index);

        /** A server-side tool's result, as the {@code tool} message the model reads next. */
        void toolResult(Message result);
    }

    private ToolLoop() {}

    /** Runs the steps; the outcome is the last step's, with the load and total time and the credits of all. */
    static Generations.Outcome run(Generations generations, GenerationCall call, Events events, CancellationToken cancel)
            throws InterruptedException {
        long start = System.nanoTime();
        long load = 0;
        Long charged = null;
        ChatTools.ServerTools server = call.serverTools();
        GenerationCall step = call;
        for (int n = 1; ; n++) {
            int[] index = {0};
            Generations.Outcome o = generations.generate(step, new ReplySink() {
                @Override
                public void content(String text) {
                    events.content(text);
                }

                @Override
                public void toolCall(ToolCall toolCall) {
                    events.toolCall(toolCall, index[0]++);
                }
            }, cancel);
            load += o.loadNanos();
            if (o.creditsCharged() != null) charged = (charged == null ? 0 : charged) + o.creditsCharged();
            if (server == null || o.toolCalls().isEmpty() || cancel.isCancelled() || n >= server.maxSteps()
                    || !server.runsAll(o.toolCalls())) {
                return new Generations.Outcome(o.result(), o.content(), o.toolCalls(), load, System.nanoTime() - start, charged);
            }
            List<ChatMessage> more = new ArrayList<>();
            more.add(ChatMessage.assistantCalls(o.content(), o.toolCalls()));
            for (ToolCall c : o.toolCalls()) {
                String result = runTool(server, call.caller(), c, cancel);
                more.add(ChatMessage.toolResult(c.name(), c.id(), result));
                events.toolResult(new Message("tool", result, null, null, c.name(), c.id()));
            }
            if (cancel.isCancelled()) {
                return new Generations.Outcome(o.result(), o.content(), o.toolCalls(), load, System.nanoTime() - start, charged);
            }
            step = step.continued(more);
        }
    }

    /** The text the model reads: the tool's, or its refusal or failure (no exception reaches the client). */
    private static String runTool(ChatTools.ServerTools server, Caller caller, ToolCall c, CancellationToken cancel) {
        try {
            ToolOutcome outcome = server.gateway().call(caller, c.name(), c.arguments(), cancel);
            return outcome.isError() ? "error: " + outcome.text() : outcome.text();
        } catch (RuntimeException e) {
            // the gateway promises outcomes, not exceptions; one that escapes is logged, and the model told no more
            LOG.warn("tool {} failed", c.name(), e);
            return "error: the tool failed";
        }
    }
}
