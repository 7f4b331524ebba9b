package dev.bastion.api;

import dev.bastion.api.types.ChatRequest;
import io.javalin.http.Context;

/**
 * The chat path as a module may use it (given by {@link ServerModule#bind}): a {@link ChatRequest} answered exactly as
 * {@code POST /api/chat} answers it, as the request's caller, so model visibility, scopes, credits, server-side tools
 * and cancellation on disconnect are the chat path's own, not a copy of them.
 */
public interface Chats {

    /**
     * Answers {@code request} on {@code ctx} as {@code /api/chat} does: NDJSON pieces when streaming, else one JSON
     * object. A refusal before anything was generated (unknown model, bad options, no credits) is thrown as the
     * {@link ApiException} {@code /api/chat} would answer, and {@code listener} hears nothing. Once the generation
     * ran, the listener gets each streamed piece and then, before the last line is written, the {@link ChatSummary}: also
     * when the client went away (done_reason {@code cancelled}) or the generation failed mid-stream.
     */
    void respond(Context ctx, ChatRequest request, ChatListener listener) throws InterruptedException;
}
