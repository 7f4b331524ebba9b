package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.GenerateRequest;
import dev.bastion.api.types.Logprob;
import dev.bastion.api.types.Message;
import dev.bastion.api.types.Metrics;
import dev.bastion.api.types.Options;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import io.javalin.http.Context;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one generation path of both APIs: an Ollama {@link ChatRequest} or {@link GenerateRequest} (OpenAI's requests
 * are translated to these) becomes a {@link GenerationCall}, which runs and is answered here, streamed or whole, with
 * in-stream errors and cancellation on disconnect; structured output is the engine's grammar; only the wire format
 * ({@link ReplyEncoder}) differs per endpoint.
 */
final class ChatService {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");
    /** Ollama's error for images sent to a model without a vision projector. */
    static final String NO_VISION = "this model is missing data required for image input";

    private final ModelCatalog catalog;
    private final Generations generations;
    private final ServerConfig config;
    /** The first module's that offers one: server-side tools for chats that opt in. */
    private final Optional<ToolGateway> toolGateway;

    ChatService(ModelCatalog catalog, Generations generations, ServerConfig config) {
        this.catalog = catalog;
        this.generations = generations;
        this.config = config;
        this.toolGateway = config.modules().stream().map(ServerModule::toolGateway).flatMap(Optional::stream).findFirst();
    }

    /** A chat; no messages only loads the model. */
    GenerationCall chatCall(Caller caller, ChatRequest r) {
        String model = r.requiredModel();
        List<ChatMessage> messages = new ArrayList<>();
        Map<String, String> toolNamesById = new HashMap<>();
        List<Message> given = r.messages() == null ? List.of() : r.messages();
        for (int i = 0; i < given.size(); i++) {
            Message m = given.get(i);
            String path = "messages[" + i + "]";
            if (m == null) throw ApiException.badRequest("'" + path + "' must be an object", path);
            if (m.role() == null) throw ApiException.badRequest("'" + path + ".role' is required", path + ".role");
            if (!ROLES.contains(m.role())) {
                throw ApiException.badRequest("'" + path + ".role' must be one of " + ROLES + ", got '" + ApiException.quote(m.role()) + "'", "messages");
            }
            refuseImages(m.images(), path + ".images");
            List<dev.bastion.engine.toolcall.ToolCall> calls = ChatTools.fromWire(m.toolCalls(), path);
            calls.stream().filter(c -> c.id() != null).forEach(c -> toolNamesById.put(c.id(), c.name()));
            // OpenAI's tool messages name only the call they answer; templates may want the tool's name
            String toolName = m.toolName() != null || m.toolCallId() == null ? m.toolName() : toolNamesById.get(m.toolCallId());
            messages.add(new ChatMessage(m.role(), m.content() == null ? "" : m.content(), calls, toolName, m.toolCallId()));
        }
        JsonNode format = format(r.format());
        ModelCatalog.ModelDetails details = new VisibleCatalog(catalog, caller, config.modelAccess()).show(model);
        // after the model check: listing the caller's tools may ask upstream servers
        ChatTools.Request tools = ChatTools.read(r.tools(), caller, toolGateway);
        Think think = Think.ofOllama(r.think());
        boolean truncate = !Boolean.FALSE.equals(r.truncate());
        Prompt prompt = null;
        if (!messages.isEmpty()) {
            applySystem(messages, details.system());
            prompt = new Prompt.Chat(ChatPrompt.of(null, details.template()), messages, tools.functions(), think, truncate);
        }
        GenerationCall call = call(caller, model, details, prompt, r.options(), r.keepAlive(), r.stream(), format).withServerTools(tools.server());
        return call.with(call.options().withTruncation(call.options().numKeep(), truncate)
                .withLogprobs(logprobs(r.logprobs(), r.topLogprobs())), new int[0], false);
    }

    /** A generation from a prompt, raw or through the request's, the model's or the chat template; no prompt only loads. */
    GenerationCall generateCall(Caller caller, GenerateRequest r) {
        String model = r.requiredModel();
        refuseImages(r.images(), "images");
        JsonNode format = format(r.format());
        ModelCatalog.ModelDetails details = new VisibleCatalog(catalog, caller, config.modelAccess()).show(model);
        String text = r.prompt() == null ? "" : r.prompt();
        boolean raw = Boolean.TRUE.equals(r.raw());
        int[] context = r.context() == null ? new int[0] : r.context();
        if (raw && (notEmpty(r.template()) || notEmpty(r.system()) || context.length > 0)) {
            throw ApiException.badRequest("raw mode does not support template, system, or context", "raw");
        }
        Think think = Think.ofOllama(r.think());
        boolean truncate = !Boolean.FALSE.equals(r.truncate());
        Prompt prompt = null;
        if (!text.isEmpty() && raw) {
            prompt = new Prompt.Raw(text);
        } else if (!text.isEmpty() && notEmpty(r.suffix())) {
            prompt = new Prompt.Insert(ChatPrompt.of(r.template(), details.template()), text, r.suffix());
        } else if (!text.isEmpty()) {
            ChatPrompt template = ChatPrompt.of(r.template(), details.template());
            List<ChatMessage> messages = new ArrayList<>();
            if (r.system() != null) messages.add(new ChatMessage("system", r.system()));
            messages.add(new ChatMessage("user", text));
            applySystem(messages, details.system());
            prompt = new Prompt.Chat(template, messages, List.of(), think, truncate);
        }
        GenerationCall call = call(caller, model, details, prompt, r.options(), r.keepAlive(), r.stream(), format);
        // Ollama returns the context for every generation but a raw one.
        return call.with(call.options().withTruncation(call.options().numKeep(), truncate)
                .withLogprobs(logprobs(r.logprobs(), r.topLogprobs())), context, !raw);
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    /** Ollama's logprobs and top_logprobs as the engine's count of alternatives (negative: no logprobs). */
    private static int logprobs(Boolean logprobs, Integer topLogprobs) {
        Integer top = SamplingRequest.inRange("top_logprobs", topLogprobs, 0, GenerationOptions.MAX_TOP_LOGPROBS);
        if (!Boolean.TRUE.equals(logprobs)) return -1;
        return top == null ? 0 : top;
    }

    /** Ollama's answer to images for a model without vision (none of Bastion's has it); null and [] are no images. */
    private static void refuseImages(JsonNode images, String path) {
        if (!JsonFields.given(images)) return;
        if (!images.isArray()) throw ApiException.badRequest("'" + path + "' must be an array of base64 strings", path);
        if (!images.isEmpty()) throw ApiException.badRequest(NO_VISION, path);
    }

    private GenerationCall call(Caller caller, String model, ModelCatalog.ModelDetails details, Prompt prompt, Options options,
                                KeepAlive keepAlive, Boolean stream, JsonNode format) {
        return new GenerationCall(caller, model, details.summary().name(), prompt,
                SamplingRequest.fromOllama(options, "options.", details.parameters()).withGrammar(JsonFormat.grammar(format)),
                Objects.requireNonNullElse(keepAlive, config.scheduler().defaultKeepAlive()), !Boolean.FALSE.equals(stream), format);
    }

    /** The model's default system prompt leads the conversation when it has none of its own. */
    private static void applySystem(List<ChatMessage> messages, String defaultSystem) {
        boolean hasSystem = !messages.isEmpty() && messages.getFirst().role().equals("system");
        if (!hasSystem && defaultSystem != null) messages.addFirst(new ChatMessage("system", defaultSystem));
    }

    /** Ollama's {@code format}: "json", a schema object, or nothing ("" counts as nothing). */
    private static JsonNode format(JsonNode format) {
        if (!JsonFields.given(format) || (format.isTextual() && format.asText().isEmpty())) return null;
        if (!(format.isObject() || (format.isTextual() && format.asText().equals("json")))) {
            throw ApiException.badRequest("'format' must be \"json\" or a JSON schema object", "format");
        }
        return format;
    }

    /** Runs {@code call} and answers it in {@code encoder}'s wire format. */
    void respond(Context ctx, GenerationCall call, ReplyEncoder encoder) throws InterruptedException {
        respond(ctx, call, encoder, null);
    }

    /** Like {@link #respond(Context, GenerationCall, ReplyEncoder)}, telling {@code listener} (may be null) as {@link Chats} says. */
    void respond(Context ctx, GenerationCall call, ReplyEncoder encoder, ChatListener listener) throws InterruptedException {
        if (call.loadOnly()) {
            HttpIo.json(ctx, 200, encoder.whole(loadOnly(call)));
            return;
        }
        CancellationToken cancel = HttpIo.cancelledOnDisconnect(ctx);
        ChatSummary.Gatherer gathered = new ChatSummary.Gatherer();
        if (call.stream()) {
            HttpIo.Stream out = new HttpIo.Stream(ctx, encoder.contentType(), cancel);
            Generations.Outcome outcome;
            try {
                outcome = ToolLoop.run(generations, call, pieces(call, piece -> {
                    if (listener != null) {
                        gathered.add(piece);
                        listener.chunk(piece);
                    }
                    encoder.write(out, piece);
                }), cancel);
            } catch (RuntimeException e) {
                if (!out.started()) throw e;
                String message = e instanceof ApiException api ? api.getMessage() : BastionServer.internalError(ctx, e);
                if (listener != null) listener.finished(gathered.summary(call.model(), "error", null, message));
                encoder.fail(out, message);
                return;
            }
            ChatResponse last = done(call, "", List.of(), outcome).with(null, null, context(call, outcome));
            if (listener != null) listener.finished(gathered.summary(call.model(), last.doneReason(), last.metrics(), null));
            encoder.write(out, last);
        } else {
            Generations.Outcome outcome = ToolLoop.run(generations, call,
                    listener == null ? ToolLoop.Events.IGNORE : pieces(call, gathered::add), cancel);
            HttpIo.creditsCharged(ctx, outcome.creditsCharged());
            ChatResponse whole = done(call, outcome.content(), outcome.toolCalls(), outcome)
                    .with(outcome.thinking(), outcome.logprobs(), context(call, outcome));
            if (listener != null) listener.finished(gathered.summary(call.model(), whole.doneReason(), whole.metrics(), null));
            HttpIo.json(ctx, 200, encoder.whole(whole));
        }
    }

    /**
     * Each step as it happens, as the reply objects a stream sends: text pieces, each call in a message of its own,
     * each server-side tool's result.
     */
    private static ToolLoop.Events pieces(GenerationCall call, Consumer<ChatResponse> sink) {
        return new ToolLoop.Events() {
            @Override
            public void content(String text) {
                sink.accept(ChatResponse.piece(call.model(), text));
            }

            @Override
            public void content(String text, List<Logprob> logprobs) {
                if (!text.isEmpty() || !logprobs.isEmpty()) sink.accept(ChatResponse.piece(call.model(), text, null, logprobs));
            }

            @Override
            public void thinking(String text, List<Logprob> logprobs) {
                sink.accept(ChatResponse.piece(call.model(), "", text, logprobs));
            }

            @Override
            public void toolCall(dev.bastion.engine.toolcall.ToolCall toolCall, int index) {
                sink.accept(ChatResponse.message(call.model(), new Message("assistant", "", null,
                        ChatTools.toWire(List.of(toolCall), index), null, null)));
            }

            @Override
            public void toolResult(Message result) {
                sink.accept(ChatResponse.message(call.model(), result));
            }
        };
    }

    /** The tokens a generate call returns as Ollama's {@code context}; null for other calls. */
    private static int[] context(GenerationCall call, Generations.Outcome outcome) {
        int[] tokens = outcome.result().context();
        return call.returnContext() && tokens.length > 0 ? tokens : null;
    }

    /** The last reply object: the whole reply's text and calls, or (streamed) nothing more. */
    private static ChatResponse done(GenerationCall call, String content, List<dev.bastion.engine.toolcall.ToolCall> calls,
                                     Generations.Outcome outcome) {
        Message message = calls.isEmpty() ? Message.assistant(content)
                : new Message("assistant", content, null, ChatTools.toWire(calls, 0), null, null);
        return new ChatResponse(call.model(), Instant.now().toString(), message, true, outcome.result().doneReason().wireName(),
                Metrics.of(outcome.result(), outcome.loadNanos(), outcome.totalNanos()).withCreditsCharged(outcome.creditsCharged()));
    }

    /** Ollama's empty request: loads the model for its keep_alive, or unloads it with keep_alive 0. */
    private ChatResponse loadOnly(GenerationCall call) throws InterruptedException {
        long start = System.nanoTime();
        if (call.keepAlive().unloadNow()) {
            generations.unload(call.storedModel());
            return ChatResponse.done(call.model(), "", "unload", Metrics.loadOnly(0, System.nanoTime() - start));
        }
        long load = generations.preload(call.storedModel(), call.keepAlive());
        return ChatResponse.done(call.model(), "", "load", Metrics.loadOnly(load, System.nanoTime() - start));
    }

    /** Embeds {@code inputs} with a visible model, within the embedding caps. */
    Generations.Embeddings embed(Context ctx, String model, KeepAlive keepAlive, List<String> inputs, Generations.EmbedMode mode)
            throws InterruptedException {
        Caller caller = Caller.of(ctx);
        String stored = new VisibleCatalog(catalog, caller, config.modelAccess()).show(model).summary().name();
        Generations.Embeddings embeddings = generations.embed(caller, stored, Objects.requireNonNullElse(keepAlive, config.scheduler().defaultKeepAlive()),
                inputs, config.scheduler().embedLimits(), mode);
        HttpIo.creditsCharged(ctx, embeddings.creditsCharged());
        return embeddings;
    }
}
