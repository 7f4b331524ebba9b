package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fields Ollama's clients read from /api/tags, /api/show, /api/ps and /api/version, on a real store. */
class OllamaModelFieldsTest {

    @TempDir
    Path home;
    @TempDir
    Path source;

    private ModelStore store;
    private BastionServer server;
    private TestHttp http;
    private ModelConfig config;

    @BeforeEach
    void start() throws Exception {
        store = new ModelStore(home);
        Path dir = TinyModelFixture.tinyModel(source.resolve("m"), Architecture.QWEN2);
        config = ModelConfig.read(dir.resolve("config.json"));
        store.importDirectory(dir, ModelName.parse("plain"), null);
        // the same weights with a tool-calling chat template and FIM tokens, as Qwen2.5-Coder has
        ObjectNode tokenizerConfig = (ObjectNode) JsonFields.MAPPER.readTree(dir.resolve("tokenizer_config.json").toFile());
        tokenizerConfig.put("chat_template", "{%- if tools %}{{ tools | tojson }}{%- endif %}{% for m in messages %}{{ m.content }}{% endfor %}");
        ObjectNode decoder = tokenizerConfig.putObject("added_tokens_decoder");
        int id = 900;
        for (String fim : List.of("<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>")) decoder.putObject(String.valueOf(id++)).put("content", fim);
        Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig.toString());
        store.importDirectory(dir, ModelName.parse("coder"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                (d, format) -> new FakeRuntime("tiny", 0)).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void tagsListDigestsDetailsAndCapabilitiesAsOllamaDoes() throws Exception {
        JsonNode models = http.get("/api/tags").json().get("models");
        assertThat(models).hasSize(2);
        for (JsonNode m : models) {
            String name = m.get("name").asText();
            assertThat(m.get("digest").asText()).isEqualTo(store.show(ModelName.parse(name)).digest().substring("sha256:".length()))
                    .matches("[0-9a-f]{64}");
            JsonNode details = m.get("details");
            assertThat(details.get("parent_model").asText()).isEmpty();
            assertThat(details.get("quantization_level").asText()).isEqualTo("BF16");
            assertThat(details.get("parameter_size").asText()).isEqualTo(
                    dev.bastion.store.ModelDetails.humanNumber(store.show(ModelName.parse(name)).parameterCount())).matches("\\d+(\\.\\d+)?[KMB]?");
            assertThat(OffsetDateTime.parse(m.get("modified_at").asText()).toInstant())
                    .isEqualTo(store.show(ModelName.parse(name)).createdAt());
        }
        assertThat(capabilities(models, "plain:latest")).containsExactly("completion");
        assertThat(capabilities(models, "coder:latest")).containsExactly("completion", "tools", "insert");
    }

    @Test
    void showFillsModelInfoCapabilitiesAndGoQuotedParameters() throws Exception {
        var created = http.post("/api/create", """
                {"model":"quoted","from":"coder","parameters":{"stop":["say \\"hi\\"", "back\\\\slash\\nnewline"],"temperature":0.5},"stream":false}""");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        JsonNode show = http.post("/api/show", "{\"model\":\"Quoted\"}").json();
        JsonNode info = show.get("model_info");
        assertThat(info.get("general.architecture").asText()).isEqualTo("qwen2");
        assertThat(info.get("general.parameter_count").asLong()).isEqualTo(store.show(ModelName.parse("coder")).parameterCount());
        assertThat(info.get("qwen2.context_length").asInt()).isEqualTo(config.maxPositionEmbeddings());
        assertThat(info.get("qwen2.embedding_length").asInt()).isEqualTo(config.hiddenSize());
        assertThat(info.get("qwen2.block_count").asInt()).isEqualTo(config.numLayers());
        assertThat(info.get("qwen2.attention.head_count").asInt()).isEqualTo(config.numHeads());
        assertThat(info.get("qwen2.attention.head_count_kv").asInt()).isEqualTo(config.numKvHeads());
        assertThat(info.get("qwen2.vocab_size").asInt()).isEqualTo(config.vocabSize());
        assertThat(info.has("tokenizer.ggml.tokens")).as("only with verbose").isFalse();
        assertThat(show.get("capabilities")).extracting(JsonNode::asText).containsExactly("completion", "tools", "insert");
        assertThat(show.get("details").get("parent_model").asText()).as("created from coder").isEqualTo("coder:latest");
        assertThat(http.post("/api/show", "{\"model\":\"coder\"}").json().get("details").get("parent_model").asText())
                .as("imported").isEmpty();
        assertThat(show.get("messages").isArray()).isTrue();

        // Continue reads each "stop" line's value with JSON.parse
        List<String> stops = new ArrayList<>();
        for (String line : show.get("parameters").asText().split("\n")) {
            String[] kv = line.split(" +", 2);
            if (kv[0].equals("stop")) stops.add(JsonFields.MAPPER.readValue(kv[1], String.class));
            else assertThat(kv).containsExactly("temperature", "0.5");
        }
        assertThat(stops).containsExactly("say \"hi\"", "back\\slash\nnewline");

        JsonNode verbose = http.post("/api/show", "{\"model\":\"coder\",\"verbose\":true}").json();
        assertThat(verbose.get("model_info").get("tokenizer.ggml.tokens").size()).isGreaterThan(0);
        assertThat(http.post("/api/show", "{\"model\":\"PLAIN:Latest\"}").status()).as("names match case-insensitively").isEqualTo(200);
    }

    @Test
    void psReportsContextLengthCpuMemoryAndExpiryAsOllamaDoes() throws Exception {
        http.post("/api/generate", "{\"model\":\"plain\",\"keep_alive\":\"10m\"}");
        http.post("/api/generate", "{\"model\":\"coder\",\"keep_alive\":-1}");
        JsonNode ps = http.get("/api/ps").json().get("models");
        assertThat(ps).hasSize(2);
        assertThat(ps.get(0).get("name").asText()).as("longest time left first").startsWith("coder");
        for (JsonNode m : ps) {
            assertThat(m.get("digest").asText()).matches("[0-9a-f]{64}");
            assertThat(m.get("size_vram").asLong()).as("the engine runs on the CPU").isZero();
            assertThat(m.get("context_length").asInt()).isEqualTo(config.maxPositionEmbeddings());
            assertThat(m.get("details").get("parent_model").asText()).isEmpty();
            OffsetDateTime expires = OffsetDateTime.parse(m.get("expires_at").asText());
            if (m.get("name").asText().startsWith("plain")) {
                assertThat(expires.toInstant()).isBetween(java.time.Instant.now().plusSeconds(500), java.time.Instant.now().plusSeconds(601));
            } else {
                assertThat(expires.getYear()).as("forever, as Go's longest duration").isGreaterThan(2300);
            }
        }
    }

    @Test
    void versionIsAnOllamaVersionAndBastionsOwn() throws Exception {
        var r = http.get("/api/version");
        assertThat(r.json().get("version").asText()).matches("0\\.(1[3-9]|[2-9]\\d)\\.\\d+");
        assertThat(r.json().get("bastion_version").asText()).isEqualTo(OllamaApi.VERSION);
    }

    private static List<String> capabilities(JsonNode models, String name) {
        for (JsonNode m : models) {
            if (m.get("name").asText().equals(name)) {
                List<String> out = new ArrayList<>();
                m.get("capabilities").forEach(c -> out.add(c.asText()));
                return out;
            }
        }
        throw new AssertionError("no " + name);
    }
}
