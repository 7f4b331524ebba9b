package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.DoneReason;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.template.ChatMessage;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;

/** OpenAI's chat completions, completions, models and embeddings endpoints. */
final class OpenAiApi {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private final ModelCatalog catalog;
    private final Generations generations;
    private final ServerConfig config;

    OpenAiApi(ModelCatalog catalog, Generations generations, ServerConfig config) {
        this.catalog = catalog;
        this.generations = generations;
        this.config = config;
    }

    void register(RoutesConfig routes) {
        routes.get("/v1/models", this::models);
        routes.get("/v1/models/<id>", this::model); // <id>: names may hold a namespace slash
        routes.post("/v1/chat/completions", this::chatCompletions);
        routes.post("/v1/completions", this::completions);
        routes.post("/v1/embeddings", this::embeddings);
    }

    private VisibleCatalog visible(Context ctx) {
        return new VisibleCatalog(catalog, ctx, config);
    }

    private void models(Context ctx) {
        List<Map<String, Object>> data = new ArrayList<>();
        for (ModelCatalog.ModelSummary m : visible(ctx).list()) data.add(modelObject(m));
        HttpIo.json(ctx, 200, Map.of("object", "list", "data", data));
    }

    private void model(Context ctx) {
        HttpIo.json(ctx, 200, modelObject(visible(ctx).show(ctx.pathParam("id")).summary()));
    }

    private static Map<String, Object> modelObject(ModelCatalog.ModelSummary m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", m.name());
        o.put("object", "model");
        o.put("created", m.modifiedAt().getEpochSecond());
        o.put("owned_by", "library");
        return o;
    }

    private void chatCompletions(Context ctx) throws InterruptedException {
        JsonFields b = HttpIo.jsonBody(ctx, config.maxBodyBytes());
        String model = b.requiredString("model");
        JsonNode array = b.array("messages");
        if (array == null || array.isEmpty()) throw ApiException.badRequest("'messages' must be a non-empty array", "messages");
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String path = "messages[" + i + "]";
            JsonFields m = JsonFields.of(array.get(i), path);
            String role = m.requiredString("role");
            if (!ROLES.contains(role)) {
                throw ApiException.badRequest("'" + path + ".role' must be one of " + ROLES + ", got '" + ApiException.quote(role) + "'", path + ".role");
            }
            messages.add(new ChatMessage(role.equals("developer") ? "system" : role, content(m, path)));
        }
        Call call = prepare(ctx, b, model);
        JsonFormat.applySystem(messages, call.defaultSystem, call.format);
        ChatPrompt chatPrompt = ChatPrompt.of(null, call.modelTemplate);
        run(ctx, call, "chat.completion", "chatcmpl-", rt -> chatPrompt.render(rt, messages),
                // As OpenAI: the role only in the first chunk's delta.
                (piece, first) -> Map.of("delta", first ? Map.of("role", "assistant", "content", piece) : Map.of("content", piece)),
                text -> Map.of("message", Map.of("role", "assistant", "content", text)));
    }

    /** Content is a string or an array of text parts. */
    private static String content(JsonFields m, String path) {
        JsonNode c = m.raw("content");
        if (c == null) return "";
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw ApiException.badRequest("'" + path + ".content' must be a string or an array of text parts", path + ".content");
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : c) {
            JsonFields p = JsonFields.of(part, path + ".content[]");
            if (!"text".equals(p.string("type", null))) {
                throw ApiException.badRequest("only text content parts are supported", path + ".content");
            }
            sb.append(p.requiredString("text"));
        }
        return sb.toString();
    }

    private void completions(Context ctx) throws InterruptedException {
        JsonFields b = HttpIo.jsonBody(ctx, config.maxBodyBytes());
        String model = b.requiredString("model");
        List<String> prompts = b.stringOrStrings("prompt");
        if (prompts == null || prompts.size() != 1) throw ApiException.badRequest("'prompt' must be one string", "prompt");
        String prompt = prompts.getFirst();
        Call call = prepare(ctx, b, model);
        run(ctx, call, "text_completion", "cmpl-", rt -> prompt,
                (piece, first) -> withLogprobs(Map.of("text", piece)), text -> withLogprobs(Map.of("text", text)));
    }

    private static Map<String, Object> withLogprobs(Map<String, Object> m) {
        Map<String, Object> o = new LinkedHashMap<>(m);
        o.put("logprobs", null);
        return o;
    }

    /**
     * {@code format} is null, or what to constrain the reply to (as Ollama's format: "json" or a schema);
     * {@code defaultSystem} and {@code modelTemplate} are the stored model's SYSTEM and TEMPLATE, or null.
     */
    private record Call(String model, String stored, GenerationOptions options, boolean stream, boolean includeUsage,
                        JsonNode format, String defaultSystem, String modelTemplate) {}

    private Call prepare(Context ctx, JsonFields b, String model) {
        boolean stream = b.bool("stream", false);
        boolean includeUsage = b.object("stream_options").bool("include_usage", false);
        JsonNode format = responseFormat(b.object("response_format"));
        ModelCatalog.ModelDetails details = visible(ctx).show(model);
        return new Call(model, details.summary().name(), SamplingRequest.fromOpenAi(b, details.parameters()), stream,
                includeUsage, format, details.system(), details.template());
    }

    private static JsonNode responseFormat(JsonFields rf) {
        String type = rf.string("type", "text");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> JsonFields.MAPPER.getNodeFactory().textNode("json");
            case "json_schema" -> {
                JsonNode schema = rf.object("json_schema").raw("schema");
                if (schema == null || !schema.isObject()) {
                    throw ApiException.badRequest("'response_format.json_schema.schema' must be an object", "response_format");
                }
                yield schema;
            }
            default -> throw ApiException.badRequest("'response_format.type' must be text, json_object or json_schema", "response_format");
        };
    }

    private void run(Context ctx, Call call, String object, String idPrefix, Function<ModelRuntime, String> render,
                     BiFunction<String, Boolean, Map<String, Object>> chunkChoice,
                     Function<String, Map<String, Object>> fullChoice)
            throws InterruptedException {
        String id = idPrefix + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        long created = System.currentTimeMillis() / 1000;
        KeepAlive keepAlive = config.scheduler().defaultKeepAlive();
        CancellationToken cancel = new CancellationToken();
        String owner = ServerConfig.cacheOwner(ctx);
        if (call.stream) {
            String chunkObject = object.equals("chat.completion") ? "chat.completion.chunk" : object;
            HttpIo.Stream out = new HttpIo.Stream(ctx, "text/event-stream", cancel);
            AtomicBoolean first = new AtomicBoolean(true);
            TokenSink sink = piece -> {
                Map<String, Object> choice = new LinkedHashMap<>();
                choice.put("index", 0);
                choice.putAll(chunkChoice.apply(piece, first.getAndSet(false)));
                choice.put("finish_reason", null);
                out.sse(envelope(id, chunkObject, created, call.model, List.of(choice)));
            };
            Generations.Outcome outcome;
            try {
                outcome = generations.generate(owner, call.stored, keepAlive, render, call.options, sink, cancel);
            } catch (RuntimeException e) {
                if (!out.started()) throw e;
                String message = e instanceof ApiException api ? api.getMessage() : BastionServer.internalError(ctx, e);
                out.sse(Map.of("error", Map.of("message", message, "type", "server_error")));
                out.sseRaw("[DONE]");
                return;
            }
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("index", 0);
            last.putAll(object.equals("chat.completion") ? Map.of("delta", Map.of()) : withLogprobs(Map.of("text", "")));
            last.put("finish_reason", finishReason(outcome));
            out.sse(envelope(id, chunkObject, created, call.model, List.of(last)));
            if (call.includeUsage) {
                Map<String, Object> usage = envelope(id, chunkObject, created, call.model, List.of());
                usage.put("usage", usage(outcome));
                out.sse(usage);
            }
            out.sseRaw("[DONE]");
        } else {
            Generations.Outcome outcome = generations.generate(owner, call.stored, keepAlive, render, call.options, TokenSink.IGNORE, cancel);
            if (call.format != null && !JsonFormat.isJson(outcome.result().text())) throw JsonFormat.invalidReply();
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.putAll(fullChoice.apply(outcome.result().text()));
            choice.put("finish_reason", finishReason(outcome));
            Map<String, Object> o = envelope(id, object, created, call.model, List.of(choice));
            o.put("usage", usage(outcome));
            HttpIo.json(ctx, 200, o);
        }
    }

    private static String finishReason(Generations.Outcome outcome) {
        return outcome.result().doneReason() == DoneReason.LENGTH ? "length" : "stop";
    }

    private static Map<String, Object> envelope(String id, String object, long created, String model, List<?> choices) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        o.put("system_fingerprint", "bastion");
        o.put("choices", choices);
        return o;
    }

    private static Map<String, Object> usage(Generations.Outcome outcome) {
        int prompt = outcome.result().promptTokens();
        int completion = outcome.result().generatedTokens();
        return Map.of("prompt_tokens", prompt, "completion_tokens", completion, "total_tokens", prompt + completion);
    }

    private void embeddings(Context ctx) throws InterruptedException {
        JsonFields b = HttpIo.jsonBody(ctx, config.maxBodyBytes());
        String model = b.requiredString("model");
        List<String> inputs = b.stringOrStrings("input");
        if (inputs == null || inputs.isEmpty()) throw ApiException.badRequest("'input' must be a string or a non-empty array of strings", "input");
        String encoding = b.string("encoding_format", "float");
        if (!encoding.equals("float") && !encoding.equals("base64")) {
            throw ApiException.badRequest("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
        }
        String stored = visible(ctx).show(model).summary().name();
        Generations.Embeddings e = generations.embed(stored, config.scheduler().defaultKeepAlive(), inputs);
        List<Map<String, Object>> data = new ArrayList<>();
        for (int i = 0; i < e.vectors().size(); i++) {
            float[] v = e.vectors().get(i);
            data.add(Map.of("object", "embedding", "index", i, "embedding", encoding.equals("base64") ? base64(v) : v));
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("object", "list");
        o.put("data", data);
        o.put("model", model);
        o.put("usage", Map.of("prompt_tokens", e.promptTokens(), "total_tokens", e.promptTokens()));
        HttpIo.json(ctx, 200, o);
    }

    /** OpenAI's base64 encoding: the little-endian float32 bytes. */
    static String base64(float[] v) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) buf.putFloat(f);
        return java.util.Base64.getEncoder().encodeToString(buf.array());
    }
}
