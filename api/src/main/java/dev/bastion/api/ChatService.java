package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.GenerateRequest;
import dev.bastion.api.types.Message;
import dev.bastion.api.types.Metrics;
import dev.bastion.api.types.Options;
import dev.bastion.engine.generate.CancellationToken;
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

/**
 * The one generation path of both APIs: an Ollama {@link ChatRequest} or {@link GenerateRequest} (OpenAI's requests
 * are translated to these) becomes a {@link GenerationCall}, which runs and is answered here, streamed or whole, with
 * in-stream errors, cancellation on disconnect and the JSON-format check; only the wire format
 * ({@link ReplyEncoder}) differs per endpoint.
 */
final class ChatService {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

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
            if (JsonFields.given(m.images())) throw ApiException.badRequest("images are not supported", "messages");
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
        Prompt prompt = null;
        if (!messages.isEmpty()) {
            JsonFormat.applySystem(messages, details.system(), format);
            prompt = new Prompt.Chat(ChatPrompt.of(null, details.template()), messages, tools.functions());
        }
        return call(caller, model, details, prompt, r.options(), r.keepAlive(), r.stream(), format).withServerTools(tools.server());
    }

    /** A generation from a prompt, raw or through the request's, the model's or the chat template; no prompt only loads. */
    GenerationCall generateCall(Caller caller, GenerateRequest r) {
        String model = r.requiredModel();
        if (JsonFields.given(r.images())) throw ApiException.badRequest("images are not supported", "images");
        JsonNode format = format(r.format());
        ModelCatalog.ModelDetails details = new VisibleCatalog(catalog, caller, config.modelAccess()).show(model);
        String text = r.prompt() == null ? "" : r.prompt();
        Prompt prompt = null;
        if (!text.isEmpty() && Boolean.TRUE.equals(r.raw())) {
            prompt = new Prompt.Raw(text);
        } else if (!text.isEmpty()) {
            ChatPrompt template = ChatPrompt.of(r.template(), details.template());
            List<ChatMessage> messages = new ArrayList<>();
            if (r.system() != null) messages.add(new ChatMessage("system", r.system()));
            messages.add(new ChatMessage("user", text));
            JsonFormat.applySystem(messages, details.system(), format);
            prompt = new Prompt.Chat(template, messages);
        }
        return call(caller, model, details, prompt, r.options(), r.keepAlive(), r.stream(), format);
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
            Generations.Outcome outcome;
            try {
                outcome = ToolLoop.run(generations, call, streamed(call, encoder, out), cancel);
            } catch (RuntimeException e) {
                if (!out.started()) throw e;
                encoder.fail(out, e instanceof ApiException api ? api.getMessage() : BastionServer.internalError(ctx, e));
                return;
            }
            encoder.write(out, done(call, "", List.of(), outcome));
        } else {
            Generations.Outcome outcome = ToolLoop.run(generations, call, ToolLoop.Events.IGNORE, cancel);
            if (call.format() != null && outcome.toolCalls().isEmpty() && !JsonFormat.isJson(outcome.content())) throw JsonFormat.invalidReply();
            HttpIo.creditsCharged(ctx, outcome.creditsCharged());
            HttpIo.json(ctx, 200, encoder.whole(done(call, outcome.content(), outcome.toolCalls(), outcome)));
        }
    }

    /** Each step as it happens: text pieces, each call in a message of its own, each server-side tool's result. */
    private static ToolLoop.Events streamed(GenerationCall call, ReplyEncoder encoder, HttpIo.Stream out) {
        return new ToolLoop.Events() {
            @Override
            public void content(String text) {
                encoder.write(out, ChatResponse.piece(call.model(), text));
            }

            @Override
            public void toolCall(dev.bastion.engine.toolcall.ToolCall toolCall, int index) {
                encoder.write(out, ChatResponse.message(call.model(), new Message("assistant", "", null,
                        ChatTools.toWire(List.of(toolCall), index), null, null)));
            }

            @Override
            public void toolResult(Message result) {
                encoder.write(out, ChatResponse.message(call.model(), result));
            }
        };
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
    Generations.Embeddings embed(Context ctx, String model, KeepAlive keepAlive, List<String> inputs) throws InterruptedException {
        Caller caller = Caller.of(ctx);
        String stored = new VisibleCatalog(catalog, caller, config.modelAccess()).show(model).summary().name();
        Generations.Embeddings embeddings = generations.embed(caller, stored, Objects.requireNonNullElse(keepAlive, config.scheduler().defaultKeepAlive()),
                inputs, config.scheduler().embedLimits());
        HttpIo.creditsCharged(ctx, embeddings.creditsCharged());
        return embeddings;
    }
}
