package dev.bastion.api;

import dev.bastion.api.credits.CreditsMetering;
import dev.bastion.credits.Credits;
import dev.bastion.credits.CreditsConfig;
import dev.bastion.engine.testing.NodePackages;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.ApiKeyService;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the real server with the official {@code ollama} and {@code openai} npm clients (src/test/node), on a
 * generated tiny model imported into a real store, with authentication on as {@code bastion serve} runs it: the
 * clients send real API keys the way their users would.
 */
class ClientCompatibilityTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    static BastionServer server;
    /** alice's keys: models:use (as {@code bastion keys create} gives by default), and one that may also manage. */
    static String useKey;
    static String manageKey;
    /** useKey with one character of its secret changed: well-formed, a real prefix, the wrong secret. */
    static String wrongKey;
    static final long GRANTED = 100_000_000;
    static long aliceId;
    static Credits credits;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), "alice");
        SecurityServices security = SecurityServices.open(home, Map.of());
        aliceId = security.users().create("alice", Role.USER).id();
        // Credits on, as on a shared server: every reply carries Bastion's credits_charged, which clients must ignore.
        credits = new Credits(security.database(), CreditsConfig.DEFAULT, true, java.time.Clock.systemUTC());
        credits.ledger().grant(aliceId, GRANTED, "clients", "test", null);
        useKey = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "clients").secret();
        manageKey = security.keys().create("alice", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE), null, "manager").secret();
        wrongKey = withWrongSecret(useKey);
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind)), new StoreCatalog(store), Runtimes.LOADER,
                new CreditsMetering(credits, security.audit())).start();
        NodePackages.install(NODE_DIR);
    }


    private static String withWrongSecret(String key) {
        int secret = key.indexOf('_', ApiKeyService.KEY_MARKER.length()) + 1;
        char changed = key.charAt(secret) == 'A' ? 'B' : 'A';
        return key.substring(0, secret) + changed + key.substring(secret + 1);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static JsonNode script(String name) throws Exception {
        return JsonFields.MAPPER.readTree(NodePackages.runScript(NODE_DIR, name, Map.of("BASE_URL", server.baseUrl(), "MODEL", "tiny",
                "BASTION_API_KEY", useKey, "BASTION_MANAGE_KEY", manageKey, "BASTION_WRONG_KEY", wrongKey)));
    }

    /** The scripts' request bodies (src/test/node), streamed. */
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]";
    private static final String OLLAMA_CHAT = "{\"model\":\"tiny\"," + MESSAGES
            + ",\"stream\":true,\"options\":{\"num_predict\":5,\"temperature\":0,\"seed\":1}}";
    private static final String OPENAI_CHAT = "{\"model\":\"tiny\",\"max_tokens\":5,\"temperature\":0,\"seed\":1," + MESSAGES
            + ",\"stream\":true}";
    private static final String ANTHROPIC_MESSAGES = "{\"model\":\"tiny\",\"max_tokens\":5,\"temperature\":0,"
            + "\"system\":\"You are terse.\"," + MESSAGES + ",\"stream\":true}";

    /**
     * The wrong key straight at a streaming chat endpoint, as the script is about to send it through its client: a 401
     * and an audit record of it. If a script then reports "no error", the server refused the key and the client's
     * side (the key it sent, the connection it used) is where to look; the scripts record both.
     */
    private static void assertWrongKeyRefused(String path, String header, String value, String body) throws Exception {
        String requestId = "wrong-key-" + java.util.UUID.randomUUID();
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + path))
                            .header("Content-Type", "application/json").header(header, value)
                            .header(RequestContext.REQUEST_ID_HEADER, requestId)
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("POST %s with the wrong key: %s", path, response.body()).isEqualTo(401);
            assertThat(response.body()).contains("missing or invalid API key");
        }
        JsonNode audited = auditRecord(requestId);
        assertThat(audited.get("target").asText()).isEqualTo("POST " + path);
        assertThat(audited.get("outcome").asText()).isEqualTo("denied");
        assertThat(audited.get("details").get("reason").asText()).isEqualTo("invalid");
        assertThat(audited.get("details").get("key_prefix").asText()).isEqualTo(prefix(useKey));
    }

    @Test
    void officialAnthropicClientAgainstMessages() throws Exception {
        assertWrongKeyRefused("/v1/messages", "x-api-key", wrongKey, ANTHROPIC_MESSAGES);
        JsonNode r = script("anthropic-client.mjs");
        JsonNode m = r.get("message");
        assertThat(m.get("id").asText()).startsWith("msg_");
        assertThat(m.get("type").asText()).isEqualTo("message");
        assertThat(m.get("role").asText()).isEqualTo("assistant");
        assertThat(m.get("model").asText()).isEqualTo("tiny");
        assertThat(m.get("content")).singleElement().satisfies(b -> assertThat(b.get("type").asText()).isEqualTo("text"));
        assertThat(m.get("stop_reason").asText()).isIn("end_turn", "max_tokens");
        assertThat(m.get("usage").get("input_tokens").asInt()).isPositive();
        assertThat(m.get("usage").get("output_tokens").asInt()).isBetween(1, 5);

        JsonNode stream = r.get("stream");
        List<String> events = new java.util.ArrayList<>();
        stream.get("events").forEach(e -> events.add(e.asText()));
        assertThat(events.getFirst()).isEqualTo("message_start");
        assertThat(events.subList(events.size() - 3, events.size())).containsExactly("content_block_stop", "message_delta", "message_stop");
        assertThat(events).contains("content_block_start", "content_block_delta");
        String text = m.get("content").get(0).get("text").asText();
        assertThat(stream.get("text").asText()).as("greedy: same text streamed or not").isEqualTo(text);
        assertThat(r.get("helper").get("text").asText()).isEqualTo(text);
        assertThat(r.get("helper").get("stop_reason").asText()).isEqualTo(m.get("stop_reason").asText());
        assertThat(r.get("helper").get("output_tokens").asInt()).isEqualTo(m.get("usage").get("output_tokens").asInt());

        assertThat(r.get("unknownModel").get("class").asText()).isEqualTo("NotFoundError");
        assertThat(r.get("unknownModel").get("type").asText()).isEqualTo("not_found_error");
        JsonNode refused = r.get("wrongKey");
        assertThat(refused.path("class").asText()).as("wrongKey: " + refused).isEqualTo("AuthenticationError");
        assertThat(refused.path("status").asInt()).as("wrongKey: " + refused).isEqualTo(401);
        assertThat(refused.path("type").asText()).as("wrongKey: " + refused).isEqualTo("authentication_error");
    }

    @Test
    void officialOllamaClient() throws Exception {
        assertWrongKeyRefused("/api/chat", "Authorization", "Bearer " + wrongKey, OLLAMA_CHAT);
        long before = credits.ledger().balanceOfUser(aliceId);
        JsonNode r = script("ollama-client.mjs");
        assertThat(credits.ledger().balanceOfUser(aliceId)).as("the client's generations were charged").isLessThan(before);
        assertThat(r.get("version").asText()).isEqualTo(OllamaApi.OLLAMA_COMPATIBLE_VERSION);
        assertThat(r.get("list")).extracting(JsonNode::asText).containsExactly("tiny:latest");

        JsonNode gen = r.get("generate");
        JsonNode streamed = r.get("generateStream");
        assertThat(gen.get("done").asBoolean()).isTrue();
        assertThat(gen.get("eval_count").asInt()).isBetween(1, 5);
        assertThat(streamed.get("response").asText()).as("greedy: same text streamed or not").isEqualTo(gen.get("response").asText());
        assertThat(streamed.get("eval_count").asInt()).isEqualTo(gen.get("eval_count").asInt());
        assertThat(streamed.get("chunks").asInt()).isPositive();
        assertThat(streamed.get("done_reason").asText()).isEqualTo(gen.get("done_reason").asText()).isIn("stop", "length");

        assertThat(r.get("chat").get("role").asText()).isEqualTo("assistant");
        assertThat(r.get("chatStream").get("content").asText()).isEqualTo(r.get("chat").get("content").asText());

        assertThat(r.get("embed").get("count").asInt()).isEqualTo(2);
        assertThat(r.get("embed").get("dims").asInt()).isPositive();
        assertThat(r.get("embed").get("norm").asDouble()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));

        assertThat(r.get("ps")).singleElement().satisfies(m -> {
            assertThat(m.get("name").asText()).isEqualTo("tiny:latest");
            assertThat(m.get("size").asLong()).isPositive();
        });
        assertThat(r.get("show").get("family").asText()).isEqualTo("llama");
        assertThat(r.get("show").get("format").asText()).isEqualTo("safetensors");
        assertThat(r.get("show").get("modelfile").asText()).contains("FROM");
        assertThat(r.get("unknownModel").get("class").asText()).isEqualTo("ResponseError");
        assertThat(r.get("unknownModel").get("status").asInt()).isEqualTo(404);
        assertThat(r.get("unknownModel").get("error").asText()).contains("no-such-model").contains("not found");

        for (String refused : List.of("noKey", "wrongKey")) {
            JsonNode e = r.get(refused);
            assertThat(e.path("class").asText()).as(refused + ": " + e).isEqualTo("ResponseError");
            assertThat(e.path("status").asInt()).as(refused + ": " + e).isEqualTo(401);
            assertThat(e.path("error").asText()).as(refused + ": " + e).isEqualTo("missing or invalid API key");
        }
        assertThat(authFailure("GET /api/tags", "missing")).as("no Authorization header was sent").isNotEmpty();
        assertThat(authFailure("POST /api/chat", "invalid")).as("the wrong key was sent as a bearer token")
                .anySatisfy(e -> assertThat(e.get("details").get("key_prefix").asText()).isEqualTo(prefix(useKey)));

        assertThat(r.get("deleteWithUseKey").path("class").asText()).isEqualTo("ResponseError");
        assertThat(r.get("deleteWithUseKey").path("status").asInt()).isEqualTo(403);
        assertThat(r.get("deleteWithUseKey").path("error").asText()).contains("models:manage");
        assertThat(r.get("listAfterRefusedDelete")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("tiny:latest", "alice/tiny-copy:latest");
        assertThat(r.get("deleteWithManageKey").get("status").asText()).isEqualTo("success");
        assertThat(r.get("listAfterDelete")).extracting(JsonNode::asText).containsExactly("tiny:latest");
        assertThat(auditRecords("authz.denied")).anySatisfy(e -> {
            assertThat(e.get("actor").asText()).isEqualTo("alice");
            assertThat(e.get("target").asText()).isEqualTo("DELETE /api/delete");
            assertThat(e.get("details").get("required_scope").asText()).isEqualTo("models:manage");
        });
    }

    private static String prefix(String key) {
        return ApiKeyService.prefixOf(key).orElseThrow();
    }

    /** The audit log's records of one action, oldest first. */
    private static List<JsonNode> auditRecords(String action) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(home.resolve(AuditLog.FILE_NAME))) {
            JsonNode record = JsonFields.MAPPER.readTree(line);
            if (record.get("action").asText().equals(action)) records.add(record);
        }
        return records;
    }

    private static List<JsonNode> authFailure(String target, String reason) throws IOException {
        return auditRecords("auth.failure").stream()
                .filter(e -> e.get("target").asText().equals(target) && e.get("details").get("reason").asText().equals(reason))
                .toList();
    }

    @Test
    void twoClientsGeneratingAtOnceOnTheRealModelBothComplete() throws Exception {
        TestHttp http = new TestHttp(server.baseUrl(), "Authorization", "Bearer " + useKey);
        String body = "{\"model\":\"tiny\",\"prompt\":\"abc\",\"raw\":true,\"stream\":false,"
                + "\"options\":{\"temperature\":0,\"num_predict\":8}}";
        var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> post(http, body));
        var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> post(http, body));
        JsonNode a = first.get(60, TimeUnit.SECONDS).json();
        JsonNode b = second.get(60, TimeUnit.SECONDS).json();
        assertThat(a.get("done").asBoolean()).isTrue();
        assertThat(b.get("done").asBoolean()).isTrue();
        assertThat(a.get("response").asText()).as("greedy on the same prompt").isEqualTo(b.get("response").asText());
        assertThat(a.get("eval_count").asInt()).isEqualTo(b.get("eval_count").asInt()).isBetween(1, 8);
    }

    @Test
    void promptsLongerThanTheContextAreCutUnlessTruncateIsFalse() throws Exception {
        TestHttp http = new TestHttp(server.baseUrl(), "Authorization", "Bearer " + useKey);
        String longPrompt = "a b c d ".repeat(4000);
        var cut = http.post("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"stream\":false,\"prompt\":\""
                + longPrompt + "\",\"options\":{\"num_ctx\":64,\"num_predict\":2}}");
        assertThat(cut.status()).as(cut.body()).isEqualTo(200);
        assertThat(cut.json().get("prompt_eval_count").asInt()).as("Ollama's limit: 64 - (64 - 5) / 2").isEqualTo(35);
        var tooLong = http.post("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"stream\":false,\"truncate\":false,\"prompt\":\""
                + longPrompt + "\"}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("error").asText()).contains("context");
        var streamed = http.post("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"truncate\":false,\"prompt\":\"" + longPrompt + "\"}");
        assertThat(streamed.status()).as("nothing was streamed yet, so the error keeps its status").isEqualTo(400);
        assertThat(streamed.json().get("error").asText()).contains("context");
        var longEmbedding = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + longPrompt + "\"}");
        assertThat(longEmbedding.status()).as(longEmbedding.body()).isEqualTo(200);
        var refused = http.post("/api/embed", "{\"model\":\"tiny\",\"truncate\":false,\"input\":\"" + longPrompt + "\"}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("error").asText()).contains("the input length exceeds the context length");
    }

    private static TestHttp.Response post(TestHttp http, String body) {
        try {
            return http.post("/api/generate", body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void officialOpenAiClient() throws Exception {
        assertWrongKeyRefused("/v1/chat/completions", "Authorization", "Bearer " + wrongKey, OPENAI_CHAT);
        JsonNode r = script("openai-client.mjs");
        assertThat(r.get("models")).extracting(JsonNode::asText).containsExactly("tiny:latest");
        assertThat(r.get("model").asText()).isEqualTo("tiny:latest");

        JsonNode chat = r.get("chat");
        JsonNode streamed = r.get("chatStream");
        assertThat(chat.get("finish_reason").asText()).isIn("stop", "length");
        assertThat(chat.get("usage").get("completion_tokens").asInt()).isBetween(1, 5);
        assertThat(streamed.get("content").asText()).isEqualTo(chat.get("content").asText());
        assertThat(streamed.get("finish_reason").asText()).isEqualTo(chat.get("finish_reason").asText());
        assertThat(streamed.get("usage")).isEqualTo(chat.get("usage"));

        assertThat(r.get("completion").get("usage").get("completion_tokens").asInt()).isBetween(1, 5);
        assertThat(r.get("embeddings").get("count").asInt()).isEqualTo(2);
        assertThat(r.get("embeddings").get("dims").asInt()).isPositive();

        JsonNode response = r.get("response");
        JsonNode responseStream = r.get("responseStream");
        assertThat(response.get("id").asText()).startsWith("resp_");
        assertThat(response.get("status").asText()).isIn("completed", "incomplete");
        assertThat(response.get("usage").get("output_tokens").asInt()).isBetween(1, 5);
        assertThat(responseStream.get("events").get(0).asText()).isEqualTo("response.created");
        assertThat(responseStream.get("events").get(responseStream.get("events").size() - 1).asText()).isEqualTo("response.completed");
        assertThat(responseStream.get("text").asText()).as("greedy: same text streamed or not").isEqualTo(response.get("output_text").asText());
        assertThat(responseStream.get("usage")).isEqualTo(response.get("usage"));

        assertThat(r.get("unknownModel").get("class").asText()).isEqualTo("NotFoundError");
        assertThat(r.get("unknownModel").get("status").asInt()).isEqualTo(404);
        assertThat(r.get("unknownModel").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.get("unknownModel").get("message").asText()).contains("no-such-model");

        for (String refused : List.of("noKey", "wrongKey")) {
            JsonNode e = r.get(refused);
            assertThat(e.path("class").asText()).as(refused + ": " + e).isEqualTo("AuthenticationError");
            assertThat(e.path("status").asInt()).as(refused + ": " + e).isEqualTo(401);
            assertThat(e.path("message").asText()).as(refused + ": " + e).isEqualTo("missing or invalid API key");
            assertThat(e.path("code").asText()).as(refused + ": " + e).isEqualTo("invalid_api_key");
        }
        assertThat(auditRecord(r.get("noKey").get("request_id").asText()).get("details").get("reason").asText())
                .as("no Authorization header was sent").isEqualTo("missing");
        JsonNode wrong = auditRecord(r.get("wrongKey").get("request_id").asText());
        assertThat(wrong.get("target").asText()).isEqualTo("POST /v1/chat/completions");
        assertThat(wrong.get("details").get("reason").asText()).isEqualTo("invalid");
        assertThat(wrong.get("details").get("key_prefix").asText()).isEqualTo(prefix(useKey));
    }

    private static JsonNode auditRecord(String requestId) throws IOException {
        return auditRecords("auth.failure").stream().filter(e -> e.get("request_id").asText().equals(requestId))
                .findFirst().orElseThrow(() -> new AssertionError("no auth.failure audit record for request " + requestId));
    }
}
