package dev.bastion.engine.template;

import dev.bastion.engine.toolcall.ToolCall;

import java.util.List;
import java.util.Objects;

/**
 * One chat turn; {@code role} is system, user, assistant or tool.
 *
 * @param toolCalls an assistant turn's calls (empty otherwise)
 * @param toolName a tool turn's tool, whose result {@code content} is; null when not known
 * @param toolCallId a tool turn's answer to this call id (OpenAI's {@code tool_call_id}); null when not given
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolName, String toolCallId) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = List.copyOf(toolCalls);
    }

    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null, null);
    }

    public static ChatMessage assistantCalls(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, calls, null, null);
    }

    public static ChatMessage toolResult(String toolName, String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolName, toolCallId);
    }
}
