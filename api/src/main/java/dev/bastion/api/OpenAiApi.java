package dev.bastion.api;

import dev.bastion.api.openai.ChatCompletionRequest;
import dev.bastion.api.openai.CompletionRequest;
import dev.bastion.api.openai.EmbeddingRequest;
import dev.bastion.api.openai.ModelList;
import dev.bastion.api.openai.OpenAi;
import dev.bastion.api.openai.StreamOptions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * OpenAI's chat completions, completions, models and embeddings endpoints: each request is translated
 * ({@link OpenAi}) to its Ollama counterpart and runs on the one generation path ({@link ChatService}).
 */
final class OpenAiApi {

    private final ModelCatalog catalog;
    private final ChatService chats;
    private final ServerConfig config;

    OpenAiApi(ModelCatalog catalog, ChatService chats, ServerConfig config) {
        this.catalog = catalog;
        this.chats = chats;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.get("/v1/models", this::models, Access.MODELS_USE);
        routes.get("/v1/models/<id>", this::model, Access.MODELS_USE); // <id>: names may hold a namespace slash
        routes.post("/v1/chat/completions", this::chatCompletions, Access.MODELS_USE);
        routes.post("/v1/completions", this::completions, Access.MODELS_USE);
        routes.post("/v1/embeddings", this::embeddings, Access.MODELS_USE);
    }

    private VisibleCatalog visible(Context ctx) {
        return new VisibleCatalog(catalog, Caller.of(ctx), config.modelAccess());
    }

    private <T> T body(Context ctx, Class<T> type) {
        return HttpIo.jsonBody(ctx, config.maxBodyBytes(), type);
    }

    private void models(Context ctx) {
        HttpIo.json(ctx, 200, new ModelList("list", visible(ctx).list().stream().map(m -> OpenAi.toModel(m.name(), m.modifiedAt())).toList()));
    }

    private void model(Context ctx) {
        ModelCatalog.ModelSummary m = visible(ctx).show(ctx.pathParam("id")).summary();
        HttpIo.json(ctx, 200, OpenAi.toModel(m.name(), m.modifiedAt()));
    }

    private void chatCompletions(Context ctx) throws InterruptedException {
        ChatCompletionRequest r = body(ctx, ChatCompletionRequest.class);
        GenerationCall call = chats.chatCall(Caller.of(ctx), OpenAi.fromChatCompletionRequest(r));
        OpenAi.Envelope envelope = OpenAi.Envelope.of("chatcmpl-", r.model());
        boolean usage = includeUsage(r.streamOptions());
        AtomicBoolean clientCalls = new AtomicBoolean(); // the calls since the last server-side tool result
        chats.respond(ctx, call, ReplyEncoder.sse((reply, first) -> {
            if ("tool".equals(reply.message().role())) clientCalls.set(false);
            else if (reply.message().toolCalls() != null && !reply.message().toolCalls().isEmpty()) clientCalls.set(true);
            return OpenAi.toStreamChunks(envelope, reply, first, usage, clientCalls.get());
        }, reply -> OpenAi.toChatCompletion(envelope, reply), OpenAi::toStreamError));
    }

    private void completions(Context ctx) throws InterruptedException {
        CompletionRequest r = body(ctx, CompletionRequest.class);
        GenerationCall call = chats.generateCall(Caller.of(ctx), OpenAi.fromCompletionRequest(r));
        OpenAi.Envelope envelope = OpenAi.Envelope.of("cmpl-", r.model());
        boolean usage = includeUsage(r.streamOptions());
        chats.respond(ctx, call, ReplyEncoder.sse((reply, first) -> OpenAi.toCompletionChunks(envelope, reply, usage),
                reply -> OpenAi.toCompletion(envelope, reply), OpenAi::toStreamError));
    }

    private static boolean includeUsage(StreamOptions options) {
        return options != null && options.usage();
    }

    private void embeddings(Context ctx) throws InterruptedException {
        EmbeddingRequest r = body(ctx, EmbeddingRequest.class);
        List<String> inputs = OpenAi.fromEmbeddingRequest(r);
        Generations.Embeddings e = chats.embed(ctx, r.model(), null, inputs);
        HttpIo.json(ctx, 200, OpenAi.toEmbeddingList(r, e.vectors(), e.promptTokens()));
    }
}
