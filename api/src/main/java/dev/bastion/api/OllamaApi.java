package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.template.ChatMessage;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Ollama's REST API. {@code format} ("json" or a JSON schema) is honoured by instruction, not by constrained
 * decoding: a system message asks for JSON (quoting the schema), and a non-streamed reply that is not valid JSON is
 * answered with 500 {@code model output is not valid JSON}; streamed replies are passed through unchecked.
 */
final class OllamaApi {

    static final String VERSION = "0.1.0";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");
    private static final Instant FOREVER = Instant.parse("9999-12-31T23:59:59Z");

    private final ModelCatalog catalog;
    private final Generations generations;
    private final ModelScheduler scheduler;
    private final ServerConfig config;

    OllamaApi(ModelCatalog catalog, Generations generations, ModelScheduler scheduler, ServerConfig config) {
        this.catalog = catalog;
        this.generations = generations;
        this.scheduler = scheduler;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.get("/", ctx -> ctx.contentType("text/plain").result("Bastion is running"));
        routes.head("/", ctx -> ctx.contentType("text/plain").status(200));
        routes.get("/api/version", ctx -> HttpIo.json(ctx, 200, Map.of("version", VERSION)));
        routes.get("/api/tags", this::tags);
        routes.get("/api/ps", this::ps);
        routes.post("/api/show", this::show);
        routes.delete("/api/delete", this::delete);
        routes.post("/api/copy", this::copy);
        routes.post("/api/create", this::create);
        routes.post("/api/generate", this::generate);
        routes.post("/api/chat", this::chat);
        routes.post("/api/embed", this::embed);
        routes.post("/api/embeddings", this::legacyEmbeddings);
    }

    /** Everything a caller asks about goes through this view, so invisible models are unknown to it. */
    private VisibleCatalog visible(Context ctx) {
        return new VisibleCatalog(catalog, ctx, config);
    }

    private JsonFields body(Context ctx) {
        return HttpIo.jsonBody(ctx, config.maxBodyBytes());
    }

    /** Ollama's newer clients send "model", older ones "name". */
    private static String modelField(JsonFields body) {
        String model = body.string("model", null);
        if (model == null) model = body.string("name", null);
        if (model == null || model.isBlank()) throw ApiException.badRequest("'model' is required", "model");
        return model;
    }

    private void tags(Context ctx) {
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelCatalog.ModelSummary m : visible(ctx).list()) models.add(summary(m));
        HttpIo.json(ctx, 200, Map.of("models", models));
    }

    private static Map<String, Object> summary(ModelCatalog.ModelSummary m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", m.name());
        o.put("model", m.name());
        o.put("modified_at", m.modifiedAt().toString());
        o.put("size", m.size());
        o.put("digest", m.digest());
        o.put("details", m.details());
        return o;
    }

    private void ps(Context ctx) {
        VisibleCatalog visible = visible(ctx);
        Map<String, ModelCatalog.ModelSummary> stored = new LinkedHashMap<>();
        catalog.list().forEach(m -> stored.put(m.name(), m));
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelScheduler.LoadedModel lm : scheduler.loaded()) {
            ModelCatalog.ModelSummary s = stored.get(lm.name());
            if (s != null && !visible.visible(s)) continue;
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", lm.name());
            o.put("model", lm.name());
            o.put("size", lm.sizeBytes());
            o.put("digest", s == null ? "" : s.digest());
            o.put("details", s == null ? Map.of() : s.details());
            o.put("expires_at", (lm.expiresAt() == null ? FOREVER : lm.expiresAt()).toString());
            o.put("size_vram", 0);
            models.add(o);
        }
        HttpIo.json(ctx, 200, Map.of("models", models));
    }

    private void show(Context ctx) {
        ModelCatalog.ModelDetails d = visible(ctx).show(modelField(body(ctx)));
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("modelfile", d.modelfile());
        o.put("parameters", parameterLines(d.parameters()));
        o.put("template", d.template() == null ? "" : d.template());
        if (d.system() != null) o.put("system", d.system());
        o.put("details", d.summary().details());
        o.put("model_info", Map.of());
        o.put("modified_at", d.summary().modifiedAt().toString());
        HttpIo.json(ctx, 200, o);
    }

    /** Ollama shows parameters as Modelfile lines, one per value. */
    private static String parameterLines(Map<String, Object> parameters) {
        StringBuilder sb = new StringBuilder();
        parameters.forEach((k, v) -> {
            List<?> values = v instanceof List<?> l ? l : List.of(v);
            for (Object value : values) {
                if (!sb.isEmpty()) sb.append('\n');
                sb.append(k).append(' ').append(value instanceof String s ? "\"" + s + "\"" : value);
            }
        });
        return sb.toString();
    }

    private void delete(Context ctx) {
        String model = modelField(body(ctx));
        audited(ctx, "model.delete", model, Map.of(), () -> {
            VisibleCatalog visible = visible(ctx);
            String stored = requireModify(ctx, visible.show(model));
            visible.delete(model, config.ownerResolver().apply(ctx));
            scheduler.unloadIfIdle(stored);
        });
        ctx.status(200);
    }

    private void copy(Context ctx) {
        JsonFields b = body(ctx);
        String destination = b.requiredString("destination");
        String source = b.requiredString("source");
        audited(ctx, "model.copy", destination, Map.of("source", source), () -> {
            VisibleCatalog visible = visible(ctx);
            visible.show(source);
            existing(destination).ifPresent(d -> requireModify(ctx, d));
            visible.copy(source, destination, config.ownerResolver().apply(ctx));
            unloadReplaced(destination);
        });
        ctx.status(200);
    }

    private void create(Context ctx) {
        JsonFields b = body(ctx);
        String model = modelField(b);
        Map<String, Object> parameters = null;
        JsonNode p = b.raw("parameters");
        if (p != null) {
            if (!p.isObject()) throw ApiException.badRequest("'parameters' must be an object", "parameters");
            parameters = JsonFields.MAPPER.convertValue(p, Map.class);
            SamplingRequest.fromOllama(JsonFields.of(p, "parameters"), Map.of());
        }
        if (b.has("modelfile") || b.has("files") || b.has("adapters")) {
            throw ApiException.badRequest("only 'from', 'system', 'template', 'parameters' and 'quantize' are supported by /api/create", null);
        }
        String from = b.requiredString("from");
        ModelCatalog.CreateRequest request = new ModelCatalog.CreateRequest(model, from, b.string("system", null),
                b.string("template", null), parameters, b.string("quantize", null));
        Map<String, String> auditDetails = request.quantize() == null ? Map.of("from", from)
                : Map.of("from", from, "quantize", request.quantize());
        audited(ctx, "model.create", model, auditDetails, () -> {
            existing(model).ifPresent(d -> requireModify(ctx, d));
            visible(ctx).create(request, config.ownerResolver().apply(ctx));
            unloadReplaced(model);
        });
        if (b.bool("stream", true)) {
            ctx.contentType("application/x-ndjson").result(new String(HttpIo.bytes(Map.of("status", "success")), StandardCharsets.UTF_8) + "\n");
        } else {
            HttpIo.json(ctx, 200, Map.of("status", "success"));
        }
    }

    /** Runs a model operation and reports it to the audit: refusals (403, 404) as denied, other errors as failure. */
    private void audited(Context ctx, String action, String model, Map<String, String> details, Runnable operation) {
        try {
            operation.run();
        } catch (RuntimeException e) {
            boolean refused = e instanceof ApiException api && (api.status() == 403 || api.status() == 404);
            config.modelAudit().record(ctx, action, model, refused ? "denied" : "failure", details);
            throw e;
        }
        config.modelAudit().record(ctx, action, model, "success", details);
    }

    /** The model {@code name} if it exists, visible or not (names are global); a malformed name still fails with 400. */
    private java.util.Optional<ModelCatalog.ModelDetails> existing(String name) {
        try {
            return java.util.Optional.of(catalog.show(name));
        } catch (ApiException e) {
            if (e.status() == 404) return java.util.Optional.empty();
            throw e;
        }
    }

    /** Deleting or overwriting needs the modify policy's consent (the owner or an admin); returns the stored name. */
    private String requireModify(Context ctx, ModelCatalog.ModelDetails model) {
        if (!config.modifyPolicy().test(ctx, model.summary().owner())) {
            throw new ApiException(403, "model '" + model.summary().name() + "' belongs to another user", "model");
        }
        return model.summary().name();
    }

    /** A resident model whose name now points at other content must not keep serving the old weights. */
    private void unloadReplaced(String model) {
        scheduler.unloadIfIdle(catalog.show(model).summary().name());
    }

    private void generate(Context ctx) throws InterruptedException {
        JsonFields b = body(ctx);
        String model = modelField(b);
        String prompt = b.string("prompt", "");
        String system = b.string("system", null);
        boolean raw = b.bool("raw", false);
        if (b.has("images")) throw ApiException.badRequest("images are not supported", "images");
        Request r = prepare(ctx, b, model);
        if (prompt.isEmpty()) {
            loadOnly(ctx, r, "response", "");
            return;
        }
        ChatPrompt chatPrompt = raw ? null : ChatPrompt.of(b.string("template", null), r.details.template());
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) messages.add(new ChatMessage("system", system));
        messages.add(new ChatMessage("user", prompt));
        JsonFormat.applySystem(messages, r.details.system(), r.format);
        Function<dev.bastion.engine.generate.ModelRuntime, String> render = raw ? rt -> prompt : rt -> chatPrompt.render(rt, messages);
        run(ctx, r, render, piece -> Map.of("response", piece), text -> Map.of("response", text));
    }

    private void chat(Context ctx) throws InterruptedException {
        JsonFields b = body(ctx);
        String model = modelField(b);
        JsonNode array = b.array("messages");
        List<ChatMessage> messages = new ArrayList<>();
        if (array != null) {
            for (int i = 0; i < array.size(); i++) {
                JsonFields m = JsonFields.of(array.get(i), "messages[" + i + "]");
                String role = m.requiredString("role");
                if (!ROLES.contains(role)) {
                    throw ApiException.badRequest("'messages[" + i + "].role' must be one of " + ROLES + ", got '" + ApiException.quote(role) + "'", "messages");
                }
                if (m.has("images")) throw ApiException.badRequest("images are not supported", "messages");
                messages.add(new ChatMessage(role, m.string("content", "")));
            }
        }
        Request r = prepare(ctx, b, model);
        if (messages.isEmpty()) {
            loadOnly(ctx, r, "message", Map.of("role", "assistant", "content", ""));
            return;
        }
        JsonFormat.applySystem(messages, r.details.system(), r.format);
        ChatPrompt chatPrompt = ChatPrompt.of(null, r.details.template());
        run(ctx, r, rt -> chatPrompt.render(rt, messages),
                piece -> Map.of("message", Map.of("role", "assistant", "content", piece)),
                text -> Map.of("message", Map.of("role", "assistant", "content", text)));
    }

    /** {@code model} is echoed as the client wrote it; {@link #stored()} is the canonical name the scheduler keys on. */
    private record Request(String model, ModelCatalog.ModelDetails details, GenerationOptions options,
                           KeepAlive keepAlive, boolean stream, JsonNode format) {
        String stored() {
            return details.summary().name();
        }
    }

    private Request prepare(Context ctx, JsonFields b, String model) {
        KeepAlive keepAlive = KeepAlive.fromJson(b.raw("keep_alive"), config.scheduler().defaultKeepAlive());
        boolean stream = b.bool("stream", true);
        JsonNode format = b.raw("format");
        if (format != null && !(format.isObject() || (format.isTextual() && (format.asText().equals("json") || format.asText().isEmpty())))) {
            throw ApiException.badRequest("'format' must be \"json\" or a JSON schema object", "format");
        }
        if (format != null && format.isTextual() && format.asText().isEmpty()) format = null;
        JsonFields options = b.object("options");
        ModelCatalog.ModelDetails details = visible(ctx).show(model);
        GenerationOptions generationOptions = SamplingRequest.fromOllama(options, details.parameters());
        return new Request(model, details, generationOptions, keepAlive, stream, format);
    }

    private void loadOnly(Context ctx, Request r, String field, Object empty) throws InterruptedException {
        String reason;
        long load = 0;
        long start = System.nanoTime();
        if (r.keepAlive.unloadNow()) {
            generations.unload(r.stored());
            reason = "unload";
        } else {
            load = generations.preload(r.stored(), r.keepAlive);
            reason = "load";
        }
        Map<String, Object> o = header(r.model);
        o.put(field, empty);
        o.put("done", true);
        o.put("done_reason", reason);
        o.put("total_duration", System.nanoTime() - start);
        o.put("load_duration", load);
        HttpIo.json(ctx, 200, o);
    }

    private void run(Context ctx, Request r, Function<dev.bastion.engine.generate.ModelRuntime, String> render,
                     Function<String, Map<String, Object>> piece, Function<String, Map<String, Object>> whole)
            throws InterruptedException {
        CancellationToken cancel = new CancellationToken();
        String owner = ServerConfig.cacheOwner(ctx);
        if (r.stream) {
            HttpIo.Stream out = new HttpIo.Stream(ctx, "application/x-ndjson", cancel);
            TokenSink sink = text -> {
                Map<String, Object> o = header(r.model);
                o.putAll(piece.apply(text));
                o.put("done", false);
                out.ndjson(o);
            };
            Generations.Outcome outcome;
            try {
                outcome = generations.generate(owner, r.stored(), r.keepAlive, render, r.options, sink, cancel);
            } catch (RuntimeException e) {
                if (!out.started()) throw e;
                // Ollama reports a failure mid-stream as a final {"error": …} line.
                out.ndjson(Map.of("error", e instanceof ApiException api ? api.getMessage() : BastionServer.internalError(ctx, e)));
                return;
            }
            out.ndjson(finalObject(r.model, piece.apply(""), outcome));
        } else {
            Generations.Outcome outcome = generations.generate(owner, r.stored(), r.keepAlive, render, r.options, TokenSink.IGNORE, cancel);
            if (r.format != null && !JsonFormat.isJson(outcome.result().text())) {
                throw JsonFormat.invalidReply();
            }
            HttpIo.json(ctx, 200, finalObject(r.model, whole.apply(outcome.result().text()), outcome));
        }
    }

    private static Map<String, Object> finalObject(String model, Map<String, Object> content, Generations.Outcome outcome) {
        var result = outcome.result();
        Map<String, Object> o = header(model);
        o.putAll(content);
        o.put("done", true);
        o.put("done_reason", result.doneReason().wireName());
        o.put("total_duration", outcome.totalNanos());
        o.put("load_duration", outcome.loadNanos());
        o.put("prompt_eval_count", result.promptTokens());
        o.put("prompt_eval_duration", result.promptEvalNanos());
        o.put("eval_count", result.generatedTokens());
        o.put("eval_duration", result.evalNanos());
        return o;
    }

    private static Map<String, Object> header(String model) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        o.put("created_at", Instant.now().toString());
        return o;
    }

    private void embed(Context ctx) throws InterruptedException {
        JsonFields b = body(ctx);
        String model = modelField(b);
        List<String> inputs = b.stringOrStrings("input");
        if (inputs == null) throw ApiException.badRequest("'input' is required", "input");
        KeepAlive keepAlive = KeepAlive.fromJson(b.raw("keep_alive"), config.scheduler().defaultKeepAlive());
        String stored = visible(ctx).show(model).summary().name();
        Generations.Embeddings e = generations.embed(stored, keepAlive, inputs);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        o.put("embeddings", e.vectors());
        o.put("total_duration", e.totalNanos());
        o.put("load_duration", e.loadNanos());
        o.put("prompt_eval_count", e.promptTokens());
        HttpIo.json(ctx, 200, o);
    }

    private void legacyEmbeddings(Context ctx) throws InterruptedException {
        JsonFields b = body(ctx);
        String model = modelField(b);
        String prompt = b.requiredString("prompt");
        KeepAlive keepAlive = KeepAlive.fromJson(b.raw("keep_alive"), config.scheduler().defaultKeepAlive());
        String stored = visible(ctx).show(model).summary().name();
        Generations.Embeddings e = generations.embed(stored, keepAlive, List.of(prompt));
        HttpIo.json(ctx, 200, Map.of("embedding", e.vectors().getFirst()));
    }

}
