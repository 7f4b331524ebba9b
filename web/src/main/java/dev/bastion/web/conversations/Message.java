package dev.bastion.web.conversations;

import java.time.Instant;

/** A message of a conversation; the counts are null where they do not apply (a user's message). */
public record Message(int position, String role, String content, String thinking, String toolCallsJson,
                      Integer promptTokens, Integer generatedTokens, Double tokensPerSecond, Long credits,
                      Instant createdAt) {

    /** A message as written by a client, before the store gives it a position and a time. */
    public static Message of(String role, String content, String thinking, String toolCallsJson, Integer promptTokens,
                             Integer generatedTokens, Double tokensPerSecond, Long credits) {
        return new Message(-1, role, content, thinking, toolCallsJson, promptTokens, generatedTokens, tokensPerSecond,
                credits, null);
    }
}
