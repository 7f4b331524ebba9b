package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.CopyRequest;
import dev.bastion.api.types.CreateRequest;
import dev.bastion.api.types.DeleteRequest;
import dev.bastion.api.types.EmbedRequest;
import dev.bastion.api.types.EmbedResponse;
import dev.bastion.api.types.EmbeddingRequest;
import dev.bastion.api.types.EmbeddingResponse;
import dev.bastion.api.types.GenerateRequest;
import dev.bastion.api.types.GenerateResponse;
import dev.bastion.api.types.ListResponse;
import dev.bastion.api.types.ModelResponse;
import dev.bastion.api.types.Options;
import dev.bastion.api.types.ProcessResponse;
import dev.bastion.api.types.ErrorResponse;
import dev.bastion.api.types.ProgressResponse;
import dev.bastion.api.types.ShowRequest;
import dev.bastion.api.types.ShowResponse;
import dev.bastion.api.types.VersionResponse;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama's REST API. {@code format} ("json" or a JSON schema) is honoured by constrained decoding (see
 * {@link JsonFormat}), streamed or not.
 */
final class OllamaApi {

    /** Bastion's own version. */
    static final String VERSION = "0.1.0";
    /**
     * The Ollama API version Bastion answers {@code /api/version} with: the Ollama release whose API (fields and
     * endpoints) Bastion follows, so clients that require a minimum Ollama version accept it. See docs/api.md.
     */
    static final String OLLAMA_COMPATIBLE_VERSION = "0.13.0";
    /** The largest blob {@code POST /api/blobs} takes: beyond any model the engine can hold in memory today. */
    static final long MAX_BLOB_BYTES = 256L << 30;

    private final ModelCatalog catalog;
    private final ChatService chats;
    private final ModelScheduler scheduler;
    private final ServerConfig config;

    OllamaApi(ModelCatalog catalog, ChatService chats, ModelScheduler scheduler, ServerConfig config) {
        this.catalog = catalog;
        this.chats = chats;
        this.scheduler = scheduler;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.get("/", ctx -> ctx.contentType("text/plain").result("Bastion is running"), Access.OPEN);
        routes.head("/", ctx -> ctx.contentType("text/plain").status(200), Access.OPEN);
        routes.get("/api/version", ctx -> HttpIo.json(ctx.header("X-Bastion-Version", VERSION), 200,
                new VersionResponse(OLLAMA_COMPATIBLE_VERSION, VERSION)), Access.OPEN);
        routes.get("/api/tags", this::tags, Access.MODELS_USE);
        routes.get("/api/ps", this::ps, Access.MODELS_USE);
        routes.post("/api/show", this::show, Access.MODELS_USE);
        routes.delete("/api/delete", this::delete, Access.MODELS_MANAGE);
        routes.post("/api/copy", this::copy, Access.MODELS_MANAGE);
        routes.post("/api/create", this::create, Access.MODELS_MANAGE);
        routes.head("/api/blobs/{digest}", this::hasBlob, Access.MODELS_MANAGE);
        routes.post("/api/blobs/{digest}", this::uploadBlob, Access.MODELS_MANAGE);
        routes.post("/api/generate", this::generate, Access.MODELS_USE);
        routes.post("/api/chat", this::chat, Access.MODELS_USE);
        routes.post("/api/embed", this::embed, Access.MODELS_USE);
        routes.post("/api/embeddings", this::legacyEmbeddings, Access.MODELS_USE);
    }

    /** Everything a caller asks about goes through this view, so invisible models are unknown to it. */
    private VisibleCatalog visible(Context ctx) {
        return new VisibleCatalog(catalog, Caller.of(ctx), config.modelAccess());
    }

    private <T> T body(Context ctx, Class<T> type) {
        return HttpIo.jsonBody(ctx, config.maxBodyBytes(), type);
    }

    private void tags(Context ctx) {
        List<ModelResponse> models = visible(ctx).list().stream().map(m -> new ModelResponse(m.name(), m.name(),
                GoTime.format(m.modifiedAt()), m.size(), bareHex(m.digest()), m.details(), m.capabilities())).toList();
        HttpIo.json(ctx, 200, new ListResponse(models));
    }

    private void ps(Context ctx) {
        VisibleCatalog visible = visible(ctx);
        Map<String, ModelCatalog.ModelSummary> stored = new LinkedHashMap<>();
        catalog.list().forEach(m -> stored.put(m.name(), m));
        List<ProcessResponse.Model> models = new ArrayList<>();
        for (ModelScheduler.LoadedModel lm : scheduler.loaded()) {
            ModelCatalog.ModelSummary s = stored.get(lm.name());
            if (s != null && !visible.visible(s)) continue;
            // a model kept forever expires when Ollama's would: now plus the longest Go duration (~292 years)
            Instant expires = lm.expiresAt() == null ? Instant.now().plusNanos(Long.MAX_VALUE) : lm.expiresAt();
            models.add(new ProcessResponse.Model(lm.name(), lm.name(), lm.sizeBytes(), s == null ? "" : bareHex(s.digest()),
                    s == null ? Map.of() : s.details(), GoTime.format(expires), 0, s == null ? 0 : s.contextLength()));
        }
        // longest time left first, as Ollama lists them
        models.sort(java.util.Comparator.comparing((ProcessResponse.Model m) -> java.time.OffsetDateTime.parse(m.expiresAt())).reversed());
        HttpIo.json(ctx, 200, new ProcessResponse(models));
    }

    private void show(Context ctx) {
        ShowRequest r = body(ctx, ShowRequest.class);
        ModelCatalog.ModelDetails d = visible(ctx).show(r.requiredModel());
        Map<String, Object> modelInfo = new java.util.TreeMap<>(d.modelInfo());
        if (Boolean.TRUE.equals(r.verbose())) modelInfo.put("tokenizer.ggml.tokens", catalog.vocabulary(d.summary().name()));
        HttpIo.json(ctx, 200, new ShowResponse(d.license(), d.modelfile(), parameterLines(d.parameters()),
                d.template() == null ? "" : d.template(), d.system(), d.summary().details(), List.of(), modelInfo,
                d.summary().capabilities(), GoTime.format(d.summary().modifiedAt()),
                ModelGate.of(config.modules()).showFields(d.summary().name())));
    }

    /**
     * Ollama shows parameters as Modelfile lines, one per value, as Go's {@code "%-30s %#v"} writes them: strings
     * quoted with escapes ({@code stop "say \"hi\""}), which is also a JSON string, as Continue parses each stop value.
     */
    static String parameterLines(Map<String, Object> parameters) {
        StringBuilder sb = new StringBuilder();
        parameters.forEach((k, v) -> {
            List<?> values = v instanceof List<?> l ? l : List.of(v);
            for (Object value : values) {
                if (!sb.isEmpty()) sb.append('\n');
                sb.append(String.format(java.util.Locale.ROOT, "%-30s ", k)).append(value instanceof String s ? goQuote(s) : value);
            }
        });
        return sb.toString();
    }

    /** A Go string literal that JSON reads too: JSON's escapes, every control character as {@code \\uXXXX} or its short form. */
    private static String goQuote(String s) {
        try {
            return JsonFields.MAPPER.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ollama lists digests as bare hex. */
    private static String bareHex(String digest) {
        return digest.startsWith("sha256:") ? digest.substring("sha256:".length()) : digest;
    }

    private void delete(Context ctx) {
        String model = body(ctx, DeleteRequest.class).requiredModel();
        audited(ctx, "model.delete", model, Map.of(), () -> scheduler.unloadIfIdle(visible(ctx).delete(model)));
        ctx.status(200);
    }

    private void copy(Context ctx) {
        CopyRequest r = body(ctx, CopyRequest.class);
        if (r.destination() == null) throw ApiException.required("destination");
        if (r.source() == null) throw ApiException.required("source");
        audited(ctx, "model.copy", r.destination(), Map.of("source", r.source()),
                () -> scheduler.unloadIfIdle(visible(ctx).copy(r.source(), r.destination())));
        ctx.status(200);
    }

    private void create(Context ctx) {
        CreateRequest r = body(ctx, CreateRequest.class);
        String model = r.requiredModel();
        Map<String, Object> parameters = null;
        JsonNode p = r.parameters();
        if (JsonFields.given(p)) {
            if (!p.isObject()) throw ApiException.badRequest("'parameters' must be an object", "parameters");
            parameters = JsonFields.MAPPER.convertValue(p, Map.class);
            SamplingRequest.fromOllama(JsonFields.read(p, Options.class, "parameters."), "parameters.", Map.of());
        }
        if (JsonFields.given(r.modelfile()) || JsonFields.given(r.adapters())) {
            throw ApiException.badRequest("only 'from', 'files', 'system', 'template', 'parameters', 'quantize' and 'encrypt' are supported by /api/create", null);
        }
        if (JsonFields.given(r.files())) {
            if (r.from() != null) throw ApiException.badRequest("give either 'from' or 'files', not both", "files");
            Map<String, String> files = files(r.files());
            // what the overrides would refuse is refused before the import, so no half-made model is left
            if (r.template() != null) dev.bastion.engine.template.ChatPrompt.of(r.template(), null);
            StoreCatalog.quantization(r.quantize());
            boolean encrypt = Boolean.TRUE.equals(r.encrypt());
            Map<String, String> details = encrypt ? Map.of("files", String.join(",", files.keySet()), "encrypted", "true")
                    : Map.of("files", String.join(",", files.keySet()));
            audited(ctx, "model.create", model, details, () -> {
                ModelGate.of(config.modules()).beforeImport(model);
                String stored = visible(ctx).createFromUploads(model, files, encrypt);
                scheduler.unloadIfIdle(stored);
                if (r.system() != null || r.template() != null || r.parameters() != null || r.quantize() != null) {
                    scheduler.unloadIfIdle(visible(ctx).create(new ModelCatalog.CreateRequest(model, stored, r.system(),
                            r.template(), JsonFields.given(r.parameters()) ? JsonFields.MAPPER.convertValue(r.parameters(), Map.class) : null,
                            r.quantize(), encrypt)));
                }
            });
            created(ctx, r);
            return;
        }
        if (r.from() == null) throw ApiException.required("from");
        ModelCatalog.CreateRequest request = new ModelCatalog.CreateRequest(model, r.from(), r.system(), r.template(),
                parameters, r.quantize(), Boolean.TRUE.equals(r.encrypt()));
        Map<String, String> auditDetails = new java.util.LinkedHashMap<>();
        auditDetails.put("from", r.from());
        if (request.quantize() != null) auditDetails.put("quantize", request.quantize());
        if (request.encrypt()) auditDetails.put("encrypted", "true");
        if (request.quantize() != null && !Boolean.FALSE.equals(r.stream())) {
            createStreamingProgress(ctx, model, request, auditDetails);
            return;
        }
        // a resident model whose name now points at other content must not keep serving the old weights
        audited(ctx, "model.create", model, auditDetails, () -> scheduler.unloadIfIdle(visible(ctx).create(request)));
        created(ctx, r);
    }

    /** Quantizing takes a while: each tensor done is a streamed status, as Ollama's create streams its progress. */
    private void createStreamingProgress(Context ctx, String model, ModelCatalog.CreateRequest request, Map<String, String> auditDetails) {
        HttpIo.Stream out = new HttpIo.Stream(ctx, "application/x-ndjson", new dev.bastion.engine.generate.CancellationToken());
        try {
            audited(ctx, "model.create", model, auditDetails, () -> scheduler.unloadIfIdle(visible(ctx).create(request, out::ndjson)));
        } catch (RuntimeException e) {
            if (!out.started()) throw e; // nothing sent yet: a proper error status
            out.ndjson(new ErrorResponse(e instanceof ApiException api ? api.getMessage() : BastionServer.internalError(ctx, e), null));
            return;
        }
        out.ndjson(ProgressResponse.SUCCESS);
    }

    private static void created(Context ctx, CreateRequest r) {
        if (!Boolean.FALSE.equals(r.stream())) {
            ctx.contentType("application/x-ndjson").result(new String(HttpIo.bytes(ProgressResponse.SUCCESS), StandardCharsets.UTF_8) + "\n");
        } else {
            HttpIo.json(ctx, 200, ProgressResponse.SUCCESS);
        }
    }

    /** {@code files}: file name to {@code sha256:<hex>} digest, as Open WebUI and {@code ollama create} send it. */
    private static Map<String, String> files(JsonNode files) {
        if (!files.isObject() || files.isEmpty()) {
            throw ApiException.badRequest("'files' must be an object of file names to blob digests", "files");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = files.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw ApiException.badRequest("'files." + ApiException.quote(e.getKey()) + "' must be a digest string", "files");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** {@code HEAD /api/blobs/sha256:<hex>}: 200 if it was uploaded, else 404 (as Ollama answers). */
    private void hasBlob(Context ctx) {
        ctx.status(catalog.hasUpload(ctx.pathParam("digest")) ? 200 : 404);
    }

    /** {@code POST /api/blobs/sha256:<hex>}: the body, streamed to the upload area, kept only if it hashes to the digest. */
    private void uploadBlob(Context ctx) throws java.io.IOException {
        String digest = ctx.pathParam("digest");
        catalog.hasUpload(digest); // 400 for a malformed digest before the body is read
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_BLOB_BYTES) throw new ApiException(413, "blob exceeds the limit of " + MAX_BLOB_BYTES + " bytes", null);
        audited(ctx, "blob.upload", digest, Map.of(), () -> {
            try (java.io.InputStream in = ctx.req().getInputStream()) {
                catalog.upload(digest, in, MAX_BLOB_BYTES);
            } catch (java.io.IOException e) {
                throw ApiException.badRequest("the upload could not be read", null);
            }
        });
        ctx.status(201);
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

    private void generate(Context ctx) throws InterruptedException {
        GenerateRequest r = body(ctx, GenerateRequest.class);
        chats.respond(ctx, chats.generateCall(Caller.of(ctx), r), ReplyEncoder.ndjson(GenerateResponse::of));
    }

    private void chat(Context ctx) throws InterruptedException {
        ChatRequest r = body(ctx, ChatRequest.class);
        chats.respond(ctx, chats.chatCall(Caller.of(ctx), r), ReplyEncoder.ndjson(reply -> reply));
    }

    private void embed(Context ctx) throws InterruptedException {
        EmbedRequest r = body(ctx, EmbedRequest.class);
        String model = r.requiredModel();
        if (r.input() == null) throw ApiException.required("input");
        Integer dimensions = SamplingRequest.inRange("dimensions", r.dimensions(), 0, Integer.MAX_VALUE);
        Generations.Embeddings e = chats.embed(ctx, model, r.keepAlive(), r.input(), new Generations.EmbedMode(
                !Boolean.FALSE.equals(r.truncate()), true, dimensions == null ? 0 : dimensions));
        HttpIo.json(ctx, 200, new EmbedResponse(model, e.vectors(), e.totalNanos(), e.loadNanos(), e.promptTokens()));
    }

    private void legacyEmbeddings(Context ctx) throws InterruptedException {
        EmbeddingRequest r = body(ctx, EmbeddingRequest.class);
        String model = r.requiredModel();
        if (r.prompt() == null) throw ApiException.required("prompt");
        // Ollama's legacy endpoint gives the model's raw vector, not normalized.
        Generations.EmbedMode raw = new Generations.EmbedMode(true, false, 0);
        HttpIo.json(ctx, 200, new EmbeddingResponse(chats.embed(ctx, model, r.keepAlive(), List.of(r.prompt()), raw).vectors().getFirst()));
    }
}
