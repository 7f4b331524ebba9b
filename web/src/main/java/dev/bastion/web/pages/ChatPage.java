package dev.bastion.web.pages;

import io.javalin.http.Context;

import java.util.HashMap;
import java.util.Map;

/** The chat page: its scripts load the conversations, models and messages from the JSON API. */
final class ChatPage {

    private ChatPage() {
    }

    static void render(Context ctx, Viewer viewer, String conversationId) {
        Map<String, Object> params = new HashMap<>();
        params.put("conversationId", conversationId);
        Pages.render(ctx, viewer, "chat.jte", params);
    }
}
