package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.GenerateRequest;
import dev.bastion.api.types.Message;
import dev.bastion.api.types.Metrics;
import dev.bastion.api.types.Options;
import dev.bastion.api.types.Logprob;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatPrompt;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one generation path of both APIs: an Ollama {@link ChatRequest} or {@link GenerateRequest} (OpenAI's requests
 * are translated to these) becomes a {@link GenerationCall}, which runs and is answered here, streamed or whole, with
 * in-stream errors, cancellation on disconnect and the JSON-format check; only the wire format
 * ({@link ReplyEncoder}) differs per endpoint.
 */
final class ChatService {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");
    /** Ollama's error for images sent to a model without a vision projector. */
    static final String NO_VISION = "this model is missing data required for image input";

    private final ModelCatalog catalog;
    private final Generations generations;
    private final ServerConfig config;

    ChatService(ModelCatalog catalog, Generations generations, ServerConfig config) {
        this.catalog = catalog;
        this.generations = generations;
        this.config = config;
    }

    /** A chat; no messages only loads the model. */
    GenerationCall chatCall(Caller caller, ChatRequest r) {
        String model = r.requiredModel();
        List<ChatMessage> messages = new ArrayList<>();
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
            messages.add(new ChatMessage(m.role(), m.content() == null ? "" : m.content()));
        }
        JsonNode format = format(r.format());
        ModelCatalog.ModelDetails details = new VisibleCatalog(catalog, caller, config.modelAccess()).show(model);
        Think think = Think.ofOllama(r.think());
        boolean truncate = !Boolean.FALSE.equals(r.truncate());
        Prompt prompt = null;
        if (!messages.isEmpty()) {
            JsonFormat.applySystem(messages, details.system(), format);
            prompt = new Prompt.Chat(ChatPrompt.of(null, details.template()), messages, think, truncate);
        }
        GenerationCall call = call(caller, model, details, prompt, r.options(), r.keepAlive(), r.stream(), format);
        return withOptions(call, call.options().withTruncation(call.options().numKeep(), truncate)
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
            JsonFormat.applySystem(messages, details.system(), format);
            prompt = new Prompt.Chat(template, messages, think, truncate);
        }
        GenerationCall call = call(caller, model, details, prompt, r.options(), r.keepAlive(), r.stream(), format);
        // Ollama returns the context for every generation but a raw one.
        return withOptions(call, call.options().withTruncation(call.options().numKeep(), truncate)
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

    private static GenerationCall withOptions(GenerationCall c, GenerationOptions options, int[] context, boolean returnContext) {
        return new GenerationCall(c.caller(), c.model(), c.storedModel(), c.prompt(), options, c.keepAlive(), c.stream(), c.format(),
                context, returnContext);
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
                SamplingRequest.fromOllama(options, "options.", details.parameters()),
                Objects.requireNonNullElse(keepAlive, config.scheduler().defaultKeepAlive()), !Boolean.FALSE.equals(stream), format);
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
        if (call.loadOnly()) {
            HttpIo.json(ctx, 200, encoder.whole(loadOnly(call)));
            return;
        }
        CancellationToken cancel = HttpIo.cancelledOnDisconnect(ctx);
        if (call.stream()) {
            HttpIo.Stream out = new HttpIo.Stream(ctx, encoder.contentType(), cancel);
            ReplyPieces pieces = new ReplyPieces(call.model(), reply -> encoder.write(out, reply));
            Generations.Outcome outcome;
            try {
                outcome = generations.generate(call, pieces::sinkFor, cancel);
                pieces.flush();
            } catch (RuntimeException e) {
                if (!out.started()) throw e;
                encoder.fail(out, e instanceof ApiException api ? api.getMessage() : BastionServer.internalError(ctx, e));
                return;
            }
            encoder.write(out, done(call, "", "", outcome, pieces.takeLogprobs()));
        } else {
            ReplyPieces pieces = new ReplyPieces(call.model(), null);
            Generations.Outcome outcome = generations.generate(call, pieces::sinkFor, cancel);
            String text = outcome.result().text();
            String thinking = "";
            if (outcome.thinking()) {
                ThinkingSplitter splitter = new ThinkingSplitter(pieces.promptOpenedThinking());
                ThinkingSplitter.Split a = splitter.add(text);
                ThinkingSplitter.Split b = splitter.flush();
                thinking = a.thinking() + b.thinking();
                text = a.content() + b.content();
            }
            if (call.format() != null && !JsonFormat.isJson(text)) throw JsonFormat.invalidReply();
            HttpIo.json(ctx, 200, encoder.whole(done(call, text, thinking, outcome, pieces.takeLogprobs())));
        }
    }

    private static ChatResponse done(GenerationCall call, String content, String thinking, Generations.Outcome outcome,
                                     List<Logprob> logprobs) {
        GenerationResult r = outcome.result();
        int[] context = call.returnContext() && r.context().length > 0 ? r.context() : null;
        return ChatResponse.done(call.model(), content, thinking, r.doneReason().wireName(),
                Metrics.of(r, outcome.loadNanos(), outcome.totalNanos()), logprobs, context);
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
        return generations.embed(caller, stored, Objects.requireNonNullElse(keepAlive, config.scheduler().defaultKeepAlive()),
                inputs, config.scheduler().embedLimits(), mode);
    }
}
