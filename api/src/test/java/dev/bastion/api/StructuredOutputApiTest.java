package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structured output through both APIs on a served random-weights model: Ollama's {@code format} and OpenAI's
 * {@code response_format}, streamed and not; whatever the weights favour, the reply is JSON of the schema's shape.
 */
class StructuredOutputApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            {"type":"object","properties":{"name":{"type":"string","maxLength":8},"tags":{"type":"array","items":{"type":"integer"},"maxItems":3},
             "mood":{"enum":["happy","sad"]},"ok":{"type":"boolean"}},"required":["name","tags","ok"],"additionalProperties":false}""";

    @TempDir
    static Path home;
    @TempDir
    static Path source;
    private static BastionServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.QWEN2), ModelName.parse("tiny"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store), Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** What the schema says, checked field by field. */
    private static void assertMatchesSchema(String text) throws Exception {
        JsonNode value = JSON.readTree(text);
        assertThat(value.isObject()).as(text).isTrue();
        List<String> names = new ArrayList<>();
        value.fieldNames().forEachRemaining(names::add);
        assertThat(names).as(text).containsSubsequence("name", "tags", "ok").isSubsetOf("name", "tags", "mood", "ok");
        assertThat(value.get("name").isTextual() && value.get("name").asText().codePointCount(0, value.get("name").asText().length()) <= 8).as(text).isTrue();
        assertThat(value.get("tags").isArray() && value.get("tags").size() <= 3).as(text).isTrue();
        for (JsonNode tag : value.get("tags")) assertThat(tag.isIntegralNumber()).as(text).isTrue();
        assertThat(value.get("ok").isBoolean()).as(text).isTrue();
        if (value.has("mood")) assertThat(value.get("mood").asText()).isIn("happy", "sad");
    }

    @Test
    void ollamaChatStreamedFollowsTheSchema() throws Exception {
        for (int seed = 1; seed <= 3; seed++) {
            var r = http.post("/api/chat", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Describe a cat.\"}],"
                    + "\"format\":" + SCHEMA + ",\"options\":{\"seed\":" + seed + ",\"temperature\":1}}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            StringBuilder content = new StringBuilder();
            JsonNode last = null;
            for (String line : r.body().split("\n")) {
                if (line.isBlank()) continue;
                last = JSON.readTree(line);
                content.append(last.path("message").path("content").asText());
            }
            assertThat(last.get("done").asBoolean()).isTrue();
            assertThat(last.get("done_reason").asText()).isEqualTo("stop");
            assertMatchesSchema(content.toString());
        }
    }

    @Test
    void ollamaGenerateWholeFollowsTheSchemaAndRunningOutOfTokensIsNoError() throws Exception {
        var r = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"A cat:\",\"stream\":false,\"format\":" + SCHEMA
                + ",\"options\":{\"seed\":4}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertMatchesSchema(r.json().get("response").asText());
        var cut = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"A cat:\",\"stream\":false,\"format\":" + SCHEMA
                + ",\"options\":{\"seed\":4,\"num_predict\":3}}");
        assertThat(cut.status()).as("num_predict ending mid-JSON is what the client asked for, not a 500").isEqualTo(200);
        assertThat(cut.json().get("done_reason").asText()).isEqualTo("length");
        assertThat(r.json().get("response").asText()).startsWith(cut.json().get("response").asText());
        var json = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"A cat:\",\"stream\":false,\"format\":\"json\",\"options\":{\"seed\":2,\"num_predict\":400}}");
        assertThat(json.status()).isEqualTo(200);
        String text = json.json().get("response").asText().strip();
        assertThat(text).startsWith("{");
        if (json.json().get("done_reason").asText().equals("stop")) assertThat(JSON.readTree(text).isObject()).isTrue();
    }

    @Test
    void openAiChatStreamedFollowsTheSchema() throws Exception {
        var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"stream\":true,\"seed\":5,\"messages\":[{\"role\":\"user\",\"content\":\"A cat\"}],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"cat\",\"strict\":true,\"schema\":" + SCHEMA + "}}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
            JsonNode chunk = JSON.readTree(line.substring(6));
            for (Iterator<JsonNode> it = chunk.path("choices").elements(); it.hasNext(); ) {
                JsonNode choice = it.next();
                content.append(choice.path("delta").path("content").asText(""));
                if (choice.hasNonNull("finish_reason")) finish = choice.get("finish_reason").asText();
            }
        }
        assertThat(finish).isEqualTo("stop");
        assertMatchesSchema(content.toString());
    }

    @Test
    void openAiCompletionsHonourResponseFormat() throws Exception {
        var r = http.post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"A cat\",\"seed\":6,"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"cat\",\"schema\":" + SCHEMA + "}}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        assertMatchesSchema(r.json().get("choices").get(0).get("text").asText());
    }
}
