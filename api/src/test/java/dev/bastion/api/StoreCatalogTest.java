package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The model-management endpoints on a real store (fake inference, so only the store is under test). */
class StoreCatalogTest {

    @TempDir
    Path home;
    @TempDir
    Path source;

    private ModelStore store;
    private BastionServer server;
    private TestHttp http;
    private FakeRuntime lastLoaded;

    @BeforeEach
    void start() throws Exception {
        store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.QWEN2), ModelName.parse("tiny"), "alice");
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store), (dir, format) -> {
            assertThat(Files.isRegularFile(dir.resolve("config.json"))).as("a materialized model directory").isTrue();
            return lastLoaded = new FakeRuntime("tiny", 0);
        }).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void listsAndShowsStoredModelsInOllamaShape() throws Exception {
        JsonNode tag = http.get("/api/tags").json().get("models").get(0);
        assertThat(tag.get("name").asText()).isEqualTo("tiny:latest");
        assertThat(tag.get("digest").asText()).isEqualTo(store.list().getFirst().digest().substring("sha256:".length()));
        assertThat(tag.get("size").asLong()).isEqualTo(store.list().getFirst().size());
        assertThat(tag.get("details").get("family").asText()).isEqualTo("qwen2");
        assertThat(tag.get("details").get("format").asText()).isEqualTo("safetensors");

        JsonNode show = http.post("/api/show", "{\"model\":\"tiny\"}").json();
        assertThat(show.get("modelfile").asText()).startsWith("FROM tiny:latest");
        assertThat(http.get("/v1/models/tiny").json().get("id").asText()).isEqualTo("tiny:latest");
    }

    @Test
    void createCopyDeleteRoundTripThroughTheStore() throws Exception {
        var created = http.post("/api/create", """
                {"model":"alice/terse:v1","from":"tiny","system":"Be terse.",
                 "parameters":{"temperature":0.2,"stop":["<end>","###"],"num_predict":3},"stream":false}""");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        var details = store.show(ModelName.parse("alice/terse:v1"));
        assertThat(details.system()).isEqualTo("Be terse.");
        assertThat(details.parameters()).isEqualTo(Map.of("temperature", 0.2, "stop", java.util.List.of("<end>", "###"), "num_predict", 3));

        assertThat(http.get("/v1/models/alice/terse:v1").json().get("id").asText()).isEqualTo("alice/terse:v1");
        JsonNode show = http.post("/api/show", "{\"model\":\"alice/terse:v1\"}").json();
        assertThat(show.get("parameters").asText().lines().map(l -> l.replaceAll(" +", " "))).contains("temperature 0.2", "stop \"<end>\"", "stop \"###\"", "num_predict 3");
        assertThat(show.get("system").asText()).isEqualTo("Be terse.");

        // the stored system prompt and parameters apply to generation
        JsonNode gen = http.post("/api/generate", "{\"model\":\"alice/terse:v1\",\"prompt\":\"a b c d e\",\"stream\":false}").json();
        assertThat(gen.get("eval_count").asInt()).isEqualTo(3);
        assertThat(lastLoaded.prompts.getFirst()).startsWith("<system>Be terse.\n<user>a b c d e");

        assertThat(http.post("/api/copy", "{\"source\":\"alice/terse:v1\",\"destination\":\"copy\"}").status()).isEqualTo(200);
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactlyInAnyOrder("tiny:latest", "alice/terse:v1", "copy:latest");
        assertThat(http.delete("/api/delete", "{\"model\":\"alice/terse:v1\"}").status()).isEqualTo(200);
        assertThat(http.delete("/api/delete", "{\"model\":\"alice/terse:v1\"}").status()).isEqualTo(404);
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactlyInAnyOrder("tiny:latest", "copy:latest");
    }

    @Test
    void badCreateParametersAreClientErrorsAndWriteNothing() throws Exception {
        for (String parameters : new String[] {"{\"temperature\":\"hot\"}", "{\"top_p\":2}", "{\"bogus\":1}", "{\"temperature\":[1,2]}",
                "{\"stop\":{}}", "[]"}) {
            var r = http.post("/api/create", "{\"model\":\"x\",\"from\":\"tiny\",\"parameters\":" + parameters + "}");
            assertThat(r.status()).as(parameters + " -> " + r.body()).isEqualTo(400);
        }
        assertThat(http.post("/api/create", "{\"model\":\"x\",\"from\":\"nope\"}").status()).isEqualTo(404);
        assertThat(http.post("/api/create", "{\"model\":\"x\"}").status()).isEqualTo(400);
        assertThat(store.list()).hasSize(1);
    }
}
