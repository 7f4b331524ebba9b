package dev.bastion.web.conversations;

import java.time.Instant;
import java.util.List;

/** One user's conversation; {@code messages} is empty in listings. */
public record Conversation(String id, String title, String model, String system, String optionsJson,
                           Instant createdAt, Instant updatedAt, List<Message> messages) {

    public Conversation withMessages(List<Message> all) {
        return new Conversation(id, title, model, system, optionsJson, createdAt, updatedAt, List.copyOf(all));
    }
}
