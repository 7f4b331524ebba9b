package dev.bastion.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.responses.Responses;
import dev.bastion.api.responses.StreamEvents;
import dev.bastion.api.types.ChatRequest;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * OpenAI's Responses API, {@code POST /v1/responses}, streamed (named events) and not: translated
 * ({@link Responses}) onto Ollama's chat and run on the one generation path ({@link ChatService}).
 */
final class ResponsesApi {

    private final ChatService chats;
    private final ServerConfig config;

    ResponsesApi(ChatService chats, ServerConfig config) {
        this.chats = chats;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.post("/v1/responses", this::responses, Access.MODELS_USE);
    }

    private void responses(Context ctx) throws InterruptedException {
        ObjectNode body = HttpIo.jsonBody(ctx, config.maxBodyBytes());
        ObjectNode chat = Responses.toChatRequest(body);
        GenerationCall call = chats.chatCall(Caller.of(ctx), JsonFields.read(chat, ChatRequest.class));
        Responses.Ids ids = Responses.Ids.fresh();
        String model = chat.get("model").asText();
        StreamEvents stream = new StreamEvents(ids, model, body);
        chats.respond(ctx, call, ReplyEncoder.events(
                reply -> stream.of(reply).stream().map(e -> new ReplyEncoder.NamedEvent(e.name(), e.data())).toList(),
                reply -> Responses.toResponse(ids, model, body, reply),
                message -> new ReplyEncoder.NamedEvent("error", Responses.error(message))));
    }
}
