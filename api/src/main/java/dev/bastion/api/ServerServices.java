package dev.bastion.api;

/**
 * What the server offers its modules ({@link ServerModule#bind}): the chat path, and what this server holds and has
 * loaded (for a module that places requests across servers).
 */
public record ServerServices(Chats chats, LocalModels models) {

    public ServerServices(Chats chats) {
        this(chats, LocalModels.NONE);
    }
}
