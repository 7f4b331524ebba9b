package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the real server with the official {@code ollama} and {@code openai} npm clients (src/test/node), on a
 * generated tiny model imported into a real store.
 */
class ClientCompatibilityTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    static BastionServer server;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), "alice");
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                Runtimes.LOADER).start();
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules"))) run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static String run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true);
        if (server != null) {
            pb.environment().put("BASE_URL", server.baseUrl());
            pb.environment().put("MODEL", "tiny");
        }
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " timed out");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(command + " output:\n" + text).isZero();
        return text;
    }

    private static JsonNode script(String name) throws Exception {
        String out = run(List.of("node", name), 120).strip();
        return JsonFields.MAPPER.readTree(out.substring(out.lastIndexOf('\n') + 1));
    }

    @Test
    void officialOllamaClient() throws Exception {
        JsonNode r = script("ollama-client.mjs");
        assertThat(r.get("version").asText()).isEqualTo("0.1.0");
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
        assertThat(r.get("unknownModel").get("status").asInt()).isEqualTo(404);
        assertThat(r.get("unknownModel").get("error").asText()).contains("no-such-model").contains("not found");
    }

    @Test
    void twoClientsGeneratingAtOnceOnTheRealModelBothComplete() throws Exception {
        TestHttp http = new TestHttp(server.baseUrl());
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
    void promptsTheModelCannotTakeAreClientErrors() throws Exception {
        TestHttp http = new TestHttp(server.baseUrl());
        var tooLong = http.post("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"stream\":false,\"prompt\":\""
                + "a b c d ".repeat(4000) + "\"}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("error").asText()).contains("context");
        var streamed = http.post("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"prompt\":\"" + "a b c d ".repeat(4000) + "\"}");
        assertThat(streamed.status()).as("nothing was streamed yet, so the error keeps its status").isEqualTo(400);
        assertThat(streamed.json().get("error").asText()).contains("context");
        var longEmbedding = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + "a b c d ".repeat(4000) + "\"}");
        assertThat(longEmbedding.status()).isEqualTo(400);
        assertThat(longEmbedding.json().get("error").asText()).contains("positions");
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

        assertThat(r.get("unknownModel").get("status").asInt()).isEqualTo(404);
        assertThat(r.get("unknownModel").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.get("unknownModel").get("message").asText()).contains("no-such-model");
    }
}
