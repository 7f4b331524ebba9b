package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** GGUF models imported into the store are listed, shown (model_info from the header) and served like any other. */
class GgufApiTest {

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    private static BastionServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        Path stories = GgufExport.export(Stories260K.directory(), source.resolve("stories.gguf"), StorageType.F32, GgufModelExport.Vocabulary.LLAMA);
        store.importGguf(stories, ModelName.parse("stories"), null);
        Path qwen = TinyModelFixture.tinyModel(source.resolve("qwen"), Architecture.QWEN2);
        store.importGguf(GgufExport.export(qwen, source.resolve("qwen.gguf"), StorageType.F16, GgufModelExport.Vocabulary.GPT2),
                ModelName.parse("qwen"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void tagsAndShowDescribeTheGgufHeader() throws Exception {
        JsonNode models = ok(http.get("/api/tags")).get("models");
        assertThat(models.size()).isGreaterThanOrEqualTo(2);
        for (JsonNode m : models) assertThat(m.path("details").path("format").asText()).isEqualTo("gguf");

        JsonNode shown = ok(http.post("/api/show", "{\"model\":\"qwen\"}"));
        assertThat(shown.path("details").path("family").asText()).isEqualTo("qwen2");
        assertThat(shown.path("details").path("quantization_level").asText()).isEqualTo("F16");
        JsonNode info = shown.get("model_info");
        assertThat(info.path("general.architecture").asText()).isEqualTo("qwen2");
        assertThat(info.path("qwen2.embedding_length").asInt()).isEqualTo(64);
        assertThat(info.path("tokenizer.ggml.tokens").isArray()).isTrue();
        assertThat(info.path("tokenizer.ggml.tokens")).isEmpty();
        assertThat(info.path("general.parameter_count").asLong()).isPositive();
        assertThat(shown.path("capabilities").toString()).contains("completion");
    }

    @Test
    void generateFromTheGgufGivesTheReferenceStory() throws Exception {
        Stories260K.Reference reference = Stories260K.reference();
        Tokenizer tokenizer = Tokenizer.load(Stories260K.directory().resolve("tokenizer.json"));
        String prompt = "Once upon a time";
        String expected = tokenizer.decode(Arrays.copyOf(reference.greedyIds(), 4 + 20)).substring(prompt.length());
        JsonNode response = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"" + prompt + "\",\"raw\":true,"
                + "\"stream\":false,\"options\":{\"temperature\":0,\"repeat_penalty\":1,\"num_predict\":20}}"));
        assertThat(response.get("response").asText()).isEqualTo(expected);
        assertThat(response.get("prompt_eval_count").asInt()).as("BOS and the four prompt tokens").isEqualTo(5);
    }

    /** The stock Ollama client's create: upload the .gguf blob, then create from {"files": {"name.gguf": digest}}. */
    @Test
    void createFromAnUploadedGgufBlob() throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(source.resolve("stories.gguf"));
        String digest = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(http.post("/api/blobs/" + digest, bytes).status()).isEqualTo(201);
        ok(http.post("/api/create", "{\"model\":\"uploaded\",\"stream\":false,\"files\":{\"stories.gguf\":\"" + digest + "\"}}"));
        JsonNode shown = ok(http.post("/api/show", "{\"model\":\"uploaded\"}"));
        assertThat(shown.path("details").path("format").asText()).isEqualTo("gguf");
        assertThat(shown.path("details").path("quantization_level").asText()).isEqualTo("F32");
        var mixed = http.post("/api/create", "{\"model\":\"mixed\",\"stream\":false,\"files\":{\"stories.gguf\":\"" + digest
                + "\",\"config.json\":\"" + digest + "\"}}");
        assertThat(mixed.status()).isEqualTo(400);
        assertThat(mixed.body()).contains("one file");
    }

    private static JsonNode ok(TestHttp.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }
}
