package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
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

/**
 * {@code /api/create} with {@code quantize}: the weights are stored quantized as a GGUF, served on real inference from
 * it, and reported as such; the progress streams as Ollama's does.
 */
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
        assertThat(show.get("details").get("format").asText()).isEqualTo("gguf");
        JsonNode tags = ok(http.get("/api/tags")).get("models");
        assertThat(tags).extracting(m -> m.get("name").asText() + " " + m.get("details").get("quantization_level").asText())
                .contains("tiny:latest BF16", "tiny-q8:latest Q8_0");
    }

    @Test
    void generatesWhatTheEngineGeneratesFromTheStoredQ8File() throws Exception {
        GenerationOptions greedy = new GenerationOptions(SamplerOptions.GREEDY, TOKENS, 0, List.of());
        String q8Text;
        String exactText;
        Path stored = store.materialize(ModelName.parse("tiny-q8"));
        try (LocalModelRuntime q8 = LocalModelRuntime.load(stored); LocalModelRuntime exact = LocalModelRuntime.load(modelDir)) {
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
        for (String bad : List.of("\"q3_K_S\"", "\"\"", "8")) {
            var r = http.post("/api/create", "{\"model\":\"bad\",\"from\":\"tiny\",\"quantize\":" + bad + ",\"stream\":false}");
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().get("error").asText()).contains("quantize");
        }
        var named = http.post("/api/create", "{\"model\":\"bad\",\"from\":\"tiny\",\"quantize\":\"q3_K_S\"}");
        assertThat(named.json().get("error").asText()).contains("'q3_K_S'").contains("supported: q8_0, q4_0, q4_k_m, q5_k_m");
        assertThat(files()).isEqualTo(before);
        assertThat(store.list()).extracting(m -> m.name().toString()).doesNotContain("bad:latest");
    }

    @Test
    void quantizingStreamsOneProgressLinePerTensorThenSuccessAndTheStoreShrinks() throws Exception {
        var r = http.post("/api/create", "{\"model\":\"tiny-q4\",\"from\":\"tiny\",\"quantize\":\"Q4_0\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : r.body().split("\n")) lines.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
        assertThat(lines.getLast().get("status").asText()).isEqualTo("success");
        List<JsonNode> progress = lines.subList(0, lines.size() - 1);
        assertThat(progress).isNotEmpty().allSatisfy(p -> assertThat(p.get("status").asText()).isEqualTo("quantizing model to q4_0"));
        long total = progress.getFirst().get("total").asLong();
        assertThat(progress).extracting(p -> p.get("completed").asLong()).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, total).boxed().toList());
        JsonNode show = ok(http.post("/api/show", "{\"model\":\"tiny-q4\"}"));
        assertThat(show.get("details").get("quantization_level").asText()).isEqualTo("Q4_0");
        long base = store.manifest(ModelName.parse("tiny")).orElseThrow().size();
        assertThat(store.manifest(ModelName.parse("tiny-q4")).orElseThrow().size()).isLessThan(base / 2);
        assertThat(generate("tiny-q4")).isNotBlank();
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
