package dev.bastion.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.anthropic.Anthropic;
import dev.bastion.api.anthropic.StreamEvents;
import dev.bastion.api.types.ChatRequest;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Anthropic's Messages API, {@code POST /v1/messages}: translated ({@link Anthropic}) onto Ollama's chat and run on the
 * one generation path ({@link ChatService}); the key may come as {@code x-api-key}, as Anthropic's SDKs send it.
 */
final class AnthropicApi {

    static final String PATH = "/v1/messages";

    private final ChatService chats;
    private final ServerConfig config;

    AnthropicApi(ChatService chats, ServerConfig config) {
        this.chats = chats;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.post(PATH, this::messages, Access.MODELS_USE);
    }

    private void messages(Context ctx) throws InterruptedException {
        ObjectNode body = HttpIo.jsonBody(ctx, config.maxBodyBytes());
        ObjectNode chat = Anthropic.toChatRequest(body);
        ChatRequest request = JsonFields.read(chat, ChatRequest.class);
        GenerationCall call = chats.chatCall(Caller.of(ctx), request);
        String id = Anthropic.messageId();
        String model = chat.get("model").asText();
        StreamEvents stream = new StreamEvents(id, model);
        chats.respond(ctx, call, ReplyEncoder.events(
                reply -> stream.of(reply).stream().map(e -> new ReplyEncoder.NamedEvent(e.name(), e.data())).toList(),
                reply -> Anthropic.toMessagesResponse(id, model, reply),
                message -> new ReplyEncoder.NamedEvent("error", Anthropic.error(500, message, RequestContext.requestId(ctx)))));
    }
}
