package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /api/create} with {@code quantize}: the model is served as Q8_0 on real inference, and reported as such. */
class QuantizedModelTest {

    private static final int TOKENS = 24;
    private static final String PROMPT = "Once upon a time";

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    private static Path modelDir;
    private static ModelStore store;
    private static BastionServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        // Hidden 64 and intermediate 128: every projection splits into 32-weight blocks, so all of them quantize.
        modelDir = TinyModelFixture.model(source.resolve("m"), Architecture.LLAMA,
                new TinyModelSpec(64, 128, 2, 4, 2, 0, DType.BF16, false, false, 1));
        store = new ModelStore(home);
        store.importDirectory(modelDir, ModelName.parse("tiny"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
        ok(http.post("/api/create", "{\"model\":\"tiny-q8\",\"from\":\"tiny\",\"quantize\":\"q8_0\",\"stream\":false}"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void showAndTagsReportQ8() throws Exception {
        JsonNode show = ok(http.post("/api/show", "{\"model\":\"tiny-q8\"}"));
        assertThat(show.get("details").get("quantization_level").asText()).isEqualTo("Q8_0");
        assertThat(show.get("details").get("format").asText()).isEqualTo("safetensors");
        JsonNode tags = ok(http.get("/api/tags")).get("models");
        assertThat(tags).extracting(m -> m.get("name").asText() + " " + m.get("details").get("quantization_level").asText())
                .containsExactlyInAnyOrder("tiny:latest BF16", "tiny-q8:latest Q8_0");
    }

    @Test
    void generatesWhatTheEngineGeneratesFromTheQ8Load() throws Exception {
        GenerationOptions greedy = new GenerationOptions(SamplerOptions.GREEDY, TOKENS, 0, List.of());
        String q8Text;
        String exactText;
        try (LocalModelRuntime q8 = LocalModelRuntime.load(modelDir, WeightFormat.Q8_0); LocalModelRuntime exact = LocalModelRuntime.load(modelDir)) {
            q8Text = q8.generate(PROMPT, greedy, TokenSink.IGNORE, new CancellationToken()).text();
            exactText = exact.generate(PROMPT, greedy, TokenSink.IGNORE, new CancellationToken()).text();
        }
        assertThat(q8Text).as("Q8_0 changes this greedy output, so matching it proves the format is applied").isNotEqualTo(exactText);
        assertThat(generate("tiny-q8")).isEqualTo(q8Text);
        assertThat(generate("tiny")).isEqualTo(exactText);
    }

    private static String generate(String model) throws Exception {
        return ok(http.post("/api/generate", "{\"model\":\"" + model + "\",\"prompt\":\"" + PROMPT + "\",\"raw\":true,"
                + "\"stream\":false,\"options\":{\"temperature\":0,\"repeat_penalty\":1,\"num_predict\":" + TOKENS + "}}"))
                .get("response").asText();
    }

    @Test
    void theQ8ModelComputesDifferentlyFromTheUnquantizedOne() throws Exception {
        JsonNode exact = ok(http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"" + PROMPT + "\"}")).get("embeddings").get(0);
        JsonNode q8 = ok(http.post("/api/embed", "{\"model\":\"tiny-q8\",\"input\":\"" + PROMPT + "\"}")).get("embeddings").get(0);
        assertThat(q8.size()).isEqualTo(exact.size());
        double worst = 0;
        for (int i = 0; i < exact.size(); i++) worst = Math.max(worst, Math.abs(exact.get(i).asDouble() - q8.get(i).asDouble()));
        assertThat(worst).as("Q8_0 changes the hidden states a little").isGreaterThan(1e-6).isLessThan(0.25);
    }

    @Test
    void unsupportedQuantizeIsRefusedAndWritesNothing() throws Exception {
        List<Path> before = files();
        for (String bad : List.of("\"q4_K_M\"", "\"\"", "8")) {
            var r = http.post("/api/create", "{\"model\":\"bad\",\"from\":\"tiny\",\"quantize\":" + bad + ",\"stream\":false}");
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().get("error").asText()).contains("quantize");
        }
        var named = http.post("/api/create", "{\"model\":\"bad\",\"from\":\"tiny\",\"quantize\":\"q4_K_M\"}");
        assertThat(named.json().get("error").asText()).contains("'q4_K_M'").contains("supported: q8_0");
        assertThat(files()).isEqualTo(before);
        assertThat(store.list()).extracting(m -> m.name().toString()).doesNotContain("bad:latest");
    }

    private static JsonNode ok(TestHttp.Response r) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<Path> files() throws Exception {
        try (Stream<Path> blobs = Files.walk(home.resolve("blobs")); Stream<Path> manifests = Files.walk(home.resolve("manifests"))) {
            return Stream.concat(blobs, manifests).sorted().toList();
        }
    }
}
