package dev.bastion.api;

/** What the server offers its modules ({@link ServerModule#bind}): today the chat path. */
public record ServerServices(Chats chats) {
}
