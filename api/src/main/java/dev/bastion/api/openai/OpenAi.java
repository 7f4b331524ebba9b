package dev.bastion.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.bastion.api.ApiException;
import dev.bastion.api.SamplingRequest;
import dev.bastion.api.types.ChatRequest;
import dev.bastion.api.types.ChatResponse;
import dev.bastion.api.types.GenerateRequest;
import dev.bastion.api.types.Metrics;
import dev.bastion.api.types.Options;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * OpenAI requests as Ollama requests, and Ollama replies ({@link ChatResponse}) as OpenAI replies, so OpenAI's
 * endpoints run on the same generation path as Ollama's.
 */
public final class OpenAi {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final String FINGERPRINT = "bastion";

    private OpenAi() {}

    /** What every reply of one request shares: its id, creation time and the model as the client named it. */
    public record Envelope(String id, long created, String model) {
        public static Envelope of(String idPrefix, String model) {
            return new Envelope(idPrefix + UUID.randomUUID().toString().replace("-", "").substring(0, 24),
                    System.currentTimeMillis() / 1000, model);
        }
    }

    public static ChatRequest fromChatCompletionRequest(ChatCompletionRequest r) {
        requireModel(r.model());
        if (r.messages() == null || r.messages().isEmpty()) throw ApiException.badRequest("'messages' must be a non-empty array", "messages");
        List<dev.bastion.api.types.Message> messages = new ArrayList<>();
        for (int i = 0; i < r.messages().size(); i++) {
            String path = "messages[" + i + "]";
            Message m = r.messages().get(i);
            if (m == null) throw ApiException.badRequest("'" + path + "' must be an object", path);
            if (m.role() == null) throw ApiException.badRequest("'" + path + ".role' is required", path + ".role");
            if (!ROLES.contains(m.role())) {
                throw ApiException.badRequest("'" + path + ".role' must be one of " + ROLES + ", got '" + ApiException.quote(m.role()) + "'", path + ".role");
            }
            String role = m.role().equals("developer") ? "system" : m.role();
            messages.add(new dev.bastion.api.types.Message(role, content(m.content(), path), null, toolCalls(m.toolCalls(), path),
                    null, m.toolCallId()));
        }
        return new ChatRequest(r.model(), null, messages, Boolean.TRUE.equals(r.stream()), format(r.responseFormat()),
                options(r.sampling()), null, tools(r.tools(), r.toolChoice()));
    }

    /** {@code tool_choice} "none" offers no tools; "auto" (or none given) lets the model choose. */
    private static JsonNode tools(JsonNode tools, JsonNode toolChoice) {
        if (toolChoice == null || toolChoice.isNull() || "auto".equals(toolChoice.textValue())) return tools;
        if ("none".equals(toolChoice.textValue())) return null;
        throw ApiException.badRequest("'tool_choice' must be \"auto\" or \"none\"", "tool_choice");
    }

    /** OpenAI's calls (arguments as a JSON string) as Ollama's (arguments as an object, checked by the chat service). */
    private static List<dev.bastion.api.types.ToolCall> toolCalls(List<ToolCall> calls, String path) {
        if (calls == null) return null;
        List<dev.bastion.api.types.ToolCall> out = new ArrayList<>();
        for (ToolCall c : calls) {
            if (c == null || c.function() == null) throw ApiException.badRequest("'" + path + ".tool_calls[].function' is required", path + ".tool_calls");
            JsonNode arguments = c.function().arguments() == null ? null : TextNode.valueOf(c.function().arguments());
            out.add(new dev.bastion.api.types.ToolCall(c.id(), new dev.bastion.api.types.ToolCall.Function(null, c.function().name(), arguments)));
        }
        return out;
    }

    /** Ollama's calls as OpenAI's: arguments as a JSON string; {@code index} only when streamed. */
    private static List<ToolCall> toOpenAi(List<dev.bastion.api.types.ToolCall> calls, boolean streamed) {
        List<ToolCall> out = new ArrayList<>();
        for (dev.bastion.api.types.ToolCall c : calls) {
            out.add(new ToolCall(streamed ? c.function().index() : null, c.id(), "function",
                    new ToolCall.Function(c.function().name(), c.function().arguments().toString())));
        }
        return out;
    }

    /** A completion is a raw generation: the prompt goes to the model without a template. */
    public static GenerateRequest fromCompletionRequest(CompletionRequest r) {
        requireModel(r.model());
        if (r.prompt() == null || r.prompt().size() != 1) throw ApiException.badRequest("'prompt' must be one string", "prompt");
        return new GenerateRequest(r.model(), null, r.prompt().getFirst(), null, null, true, Boolean.TRUE.equals(r.stream()),
                format(r.responseFormat()), options(r.sampling()), null, null);
    }

    /** The inputs to embed; {@code encoding_format} is checked here and applied by {@link #toEmbeddingList}. */
    public static List<String> fromEmbeddingRequest(EmbeddingRequest r) {
        requireModel(r.model());
        if (r.input() == null || r.input().isEmpty()) throw ApiException.badRequest("'input' must be a string or a non-empty array of strings", "input");
        if (r.encodingFormat() != null && !r.encodingFormat().equals("float") && !r.encodingFormat().equals("base64")) {
            throw ApiException.badRequest("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
        }
        return r.input();
    }

    /** Checked first, as before the translation existed, so a request missing everything is told about the model. */
    private static void requireModel(String model) {
        if (model == null || model.isBlank()) throw ApiException.required("model");
    }

    /** Content is a string or an array of text parts. */
    private static String content(JsonNode c, String path) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw ApiException.badRequest("'" + path + ".content' must be a string or an array of text parts", path + ".content");
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : c) {
            if (!part.isObject()) throw ApiException.badRequest("'" + path + ".content[]' must be an object", path + ".content");
            if (!"text".equals(part.path("type").textValue())) {
                throw ApiException.badRequest("only text content parts are supported", path + ".content");
            }
            JsonNode text = part.get("text");
            if (text == null || !text.isTextual()) throw ApiException.badRequest("'" + path + ".content[].text' must be a string", path + ".content");
            sb.append(text.asText());
        }
        return sb.toString();
    }

    /** OpenAI's top-level sampling fields as Ollama options; {@code n} other than 1 is rejected. */
    public static Options options(Sampling sampling) {
        Sampling s = sampling == null ? new Sampling(null, null, null, null, null, null, null) : sampling;
        SamplingRequest.inRange("n", s.n(), 1, 1);
        if (s.temperature() != null && (s.temperature() < 0 || s.temperature() > 2)) {
            throw ApiException.badRequest("'temperature' = " + s.temperature() + " must be in [0, 2]", "temperature");
        }
        Integer maxTokens = SamplingRequest.inRange("max_completion_tokens", s.maxCompletionTokens(), 1, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = SamplingRequest.inRange("max_tokens", s.maxTokens(), 1, Integer.MAX_VALUE);
        return new Options(s.temperature(), null, s.topP(), null, null, null, s.seed(), maxTokens, null, s.stop());
    }

    /** {@code response_format} as Ollama's {@code format}: null, "json" or a schema. */
    private static JsonNode format(ResponseFormat rf) {
        if (rf == null) return null;
        String type = rf.type() == null ? "text" : rf.type();
        return switch (type) {
            case "text" -> null;
            case "json_object" -> TextNode.valueOf("json");
            case "json_schema" -> {
                JsonNode schema = rf.jsonSchema() == null ? null : rf.jsonSchema().schema();
                if (schema == null || !schema.isObject()) {
                    throw ApiException.badRequest("'response_format.json_schema.schema' must be an object", "response_format");
                }
                yield schema;
            }
            default -> throw ApiException.badRequest("'response_format.type' must be text, json_object or json_schema", "response_format");
        };
    }

    /** A reply that calls tools has {@code content} null (none said) and {@code finish_reason} "tool_calls", as OpenAI's. */
    public static ChatCompletion toChatCompletion(Envelope e, ChatResponse r) {
        List<dev.bastion.api.types.ToolCall> calls = r.message().toolCalls();
        Message message = calls == null || calls.isEmpty() ? Message.assistant(r.content())
                : new Message("assistant", r.content().isEmpty() ? null : TextNode.valueOf(r.content()), toOpenAi(calls, false), null);
        return new ChatCompletion(e.id(), "chat.completion", e.created(), e.model(), FINGERPRINT,
                List.of(new ChatCompletion.Choice(0, message, calls == null || calls.isEmpty() ? finishReason(r) : "tool_calls")), usage(r));
    }

    /**
     * The chunks one reply object becomes: a piece's delta (text, a tool call, or a server-side tool's result), or the
     * last chunk and (when asked for) the usage chunk.
     *
     * @param endsWithCalls whether the reply's last step called tools the client is to run: the finish reason is then "tool_calls"
     */
    public static List<ChatCompletionChunk> toStreamChunks(Envelope e, ChatResponse r, boolean first, boolean includeUsage,
                                                           boolean endsWithCalls) {
        if (!r.done()) {
            dev.bastion.api.types.Message m = r.message();
            ChatCompletionChunk.Delta delta;
            if ("tool".equals(m.role())) {
                delta = new ChatCompletionChunk.Delta("tool", m.content(), null, m.toolCallId());
            } else if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                delta = new ChatCompletionChunk.Delta(first ? "assistant" : null, null, toOpenAi(m.toolCalls(), true), null);
            } else {
                delta = new ChatCompletionChunk.Delta(first ? "assistant" : null, r.content());
            }
            return List.of(chunk(e, List.of(new ChatCompletionChunk.Choice(0, delta, null)), null));
        }
        String finish = endsWithCalls ? "tool_calls" : finishReason(r);
        var last = chunk(e, List.of(new ChatCompletionChunk.Choice(0, new ChatCompletionChunk.Delta(null, null), finish)), null);
        return includeUsage ? List.of(last, chunk(e, List.of(), usage(r))) : List.of(last);
    }

    private static ChatCompletionChunk chunk(Envelope e, List<ChatCompletionChunk.Choice> choices, Usage usage) {
        return new ChatCompletionChunk(e.id(), "chat.completion.chunk", e.created(), e.model(), FINGERPRINT, choices, usage);
    }

    public static Completion toCompletion(Envelope e, ChatResponse r) {
        return completion(e, List.of(new Completion.Choice(0, r.content(), null, finishReason(r))), usage(r));
    }

    /** As {@link #toStreamChunks}, for text completions (whose chunks are completions too). */
    public static List<Completion> toCompletionChunks(Envelope e, ChatResponse r, boolean includeUsage) {
        if (!r.done()) return List.of(completion(e, List.of(new Completion.Choice(0, r.content(), null, null)), null));
        Completion last = completion(e, List.of(new Completion.Choice(0, "", null, finishReason(r))), null);
        return includeUsage ? List.of(last, completion(e, List.of(), usage(r))) : List.of(last);
    }

    private static Completion completion(Envelope e, List<Completion.Choice> choices, Usage usage) {
        return new Completion(e.id(), "text_completion", e.created(), e.model(), FINGERPRINT, choices, usage);
    }

    /** A failure after the stream started, as the last event before {@code [DONE]}. */
    public static ErrorResponse toStreamError(String message) {
        return new ErrorResponse(new ErrorResponse.Error(message, "server_error", null, null, null));
    }

    public static EmbeddingList toEmbeddingList(EmbeddingRequest r, List<float[]> vectors, int promptTokens) {
        boolean base64 = "base64".equals(r.encodingFormat());
        List<EmbeddingList.Embedding> data = new ArrayList<>();
        for (int i = 0; i < vectors.size(); i++) {
            data.add(new EmbeddingList.Embedding("embedding", i, base64 ? base64(vectors.get(i)) : vectors.get(i)));
        }
        return new EmbeddingList("list", data, r.model(), new EmbeddingList.Usage(promptTokens, promptTokens));
    }

    /** OpenAI's base64 encoding: the little-endian float32 bytes. */
    static String base64(float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) buf.putFloat(f);
        return Base64.getEncoder().encodeToString(buf.array());
    }

    public static Model toModel(String name, java.time.Instant modifiedAt) {
        return new Model(name, "model", modifiedAt.getEpochSecond(), "library");
    }

    private static String finishReason(ChatResponse r) {
        return "length".equals(r.doneReason()) ? "length" : "stop";
    }

    private static Usage usage(ChatResponse r) {
        Metrics m = r.metrics(); // counts are absent when the request only loaded the model
        return Usage.of(m.promptEvalCount() == null ? 0 : m.promptEvalCount(), m.evalCount() == null ? 0 : m.evalCount(),
                m.creditsCharged());
    }
}
