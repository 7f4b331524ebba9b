package dev.bastion.web.conversations;

import java.time.Instant;

/**
 * A message of a conversation; the counts are null where they do not apply (a user's message).
 *
 * @param toolResultsJson a reply's server-side tool results (the {@code tool} messages the model read), a JSON array
 * @param doneReason why a reply's generation ended: stop, length, cancelled (the client went away), error
 */
public record Message(int position, String role, String content, String thinking, String toolCallsJson,
                      Integer promptTokens, Integer generatedTokens, Double tokensPerSecond, Long credits,
                      Instant createdAt, String toolResultsJson, String doneReason) {

    public Message(int position, String role, String content, String thinking, String toolCallsJson, Integer promptTokens,
                   Integer generatedTokens, Double tokensPerSecond, Long credits, Instant createdAt) {
        this(position, role, content, thinking, toolCallsJson, promptTokens, generatedTokens, tokensPerSecond, credits,
                createdAt, null, null);
    }

    /** A message as written by a client, before the store gives it a position and a time. */
    public static Message of(String role, String content, String thinking, String toolCallsJson, Integer promptTokens,
                             Integer generatedTokens, Double tokensPerSecond, Long credits) {
        return new Message(-1, role, content, thinking, toolCallsJson, promptTokens, generatedTokens, tokensPerSecond,
                credits, null);
    }

    /** A generated reply, with its tool results and why it ended. */
    public static Message reply(String content, String thinking, String toolCallsJson, String toolResultsJson,
                                Integer promptTokens, Integer generatedTokens, Double tokensPerSecond, Long credits,
                                String doneReason) {
        return new Message(-1, "assistant", content, thinking, toolCallsJson, promptTokens, generatedTokens,
                tokensPerSecond, credits, null, toolResultsJson, doneReason);
    }
}
