package dev.bastion.api;

import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.Message;
import dev.bastion.api.types.Metrics;
import dev.bastion.api.types.ToolCall;

import java.util.ArrayList;
import java.util.List;

/**
 * A finished chat as {@link Chats} reports it: everything the client was sent, gathered.
 *
 * @param content the reply's text, over all steps of a server-side tool loop (streamed or not)
 * @param thinking a thinking model's reasoning, or ""
 * @param toolCalls every call the model made, in order
 * @param toolResults the results of the calls the server ran, as the {@code tool} messages the model read
 * @param doneReason Ollama's done_reason: {@code stop}, {@code length}, {@code cancelled}; {@code error} when it failed
 * @param metrics the last step's counts and durations, the whole request's time and all steps' credits
 * @param error what the client was told when the generation failed mid-stream, else null
 */
public record ChatSummary(String model, String content, String thinking, List<ToolCall> toolCalls, List<Message> toolResults,
                          String doneReason, Metrics metrics, String error) {

    public ChatSummary {
        toolCalls = List.copyOf(toolCalls);
        toolResults = List.copyOf(toolResults);
    }

    /** Generated tokens per second of generation, or null when nothing was timed. */
    public Double tokensPerSecond() {
        if (metrics == null || metrics.evalCount() == null || metrics.evalDuration() == null || metrics.evalDuration() <= 0) return null;
        return metrics.evalCount() * 1e9 / metrics.evalDuration();
    }

    /** Gathers a stream's pieces (the same objects the client is sent) into a summary. */
    static final class Gatherer {
        private final StringBuilder content = new StringBuilder();
        private final StringBuilder thinking = new StringBuilder();
        private final List<ToolCall> calls = new ArrayList<>();
        private final List<Message> results = new ArrayList<>();

        void add(ChatResponse piece) {
            Message m = piece.message();
            if (m == null) return;
            if ("tool".equals(m.role())) {
                results.add(m);
                return;
            }
            if (m.content() != null) content.append(m.content());
            if (m.thinking() != null) thinking.append(m.thinking());
            if (m.toolCalls() != null) calls.addAll(m.toolCalls());
        }

        ChatSummary summary(String model, String doneReason, Metrics metrics, String error) {
            return new ChatSummary(model, content.toString(), thinking.toString(), calls, results, doneReason, metrics, error);
        }
    }
}
