package dev.bastion.engine.template;

import java.util.Objects;

/** One chat turn; {@code role} is system, user, assistant or tool. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
