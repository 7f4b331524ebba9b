package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
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
 * A stored model's Modelfile TEMPLATE renders the prompt of every chat endpoint, on real inference: each reply must be
 * what the engine generates greedily for the hand-rendered prompt.
 */
class ModelTemplateTest {

    private static final String TEMPLATE = "<|sys|>{{ .System }}<|user|>{{ .Prompt }}<|bot|>{{ .Response }}";
    private static final int TOKENS = 6;
    private static final String GREEDY = "\"temperature\":0,\"repeat_penalty\":1,\"num_predict\":" + TOKENS;

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    private static ModelStore store;
    private static BastionServer server;
    private static TestHttp http;
    /** The same weights loaded directly, to compute what the server must answer. */
    private static LocalModelRuntime runtime;

    @BeforeAll
    static void start() throws Exception {
        store = new ModelStore(home);
        Path modelDir = TinyModelFixture.tinyModel(source.resolve("m"), Architecture.QWEN2);
        store.create(ModelName.parse("templated"), Modelfile.parse(
                "FROM ./m\nSYSTEM Be brief.\nPARAMETER repeat_penalty 1\nTEMPLATE \"\"\"" + TEMPLATE + "\"\"\"\n"), null, source);
        runtime = LocalModelRuntime.load(modelDir);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (runtime != null) runtime.close();
    }

    private static GenerationResult greedy(String prompt) {
        GenerationOptions options = new GenerationOptions(SamplerOptions.GREEDY, TOKENS, 0, List.of());
        return runtime.generate(prompt, options, TokenSink.IGNORE, new CancellationToken());
    }

    private static JsonNode ok(TestHttp.Response r) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void generateRendersTheModelTemplateWithItsSystem() throws Exception {
        String expectedPrompt = "<|sys|>Be brief.<|user|>Hello there<|bot|>";
        JsonNode r = ok(http.post("/api/generate", "{\"model\":\"templated\",\"prompt\":\"Hello there\",\"stream\":false,\"options\":{" + GREEDY + "}}"));
        GenerationResult expected = greedy(expectedPrompt);
        assertThat(r.get("response").asText()).isEqualTo(expected.text());
        assertThat(r.get("prompt_eval_count").asInt()).isEqualTo(expected.promptTokens()).isEqualTo(runtime.countTokens(expectedPrompt));
        String chatTemplatePrompt = runtime.renderChat(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hello there")));
        assertThat(runtime.countTokens(chatTemplatePrompt)).as("the HF chat template would be told apart").isNotEqualTo(expected.promptTokens());
    }

    @Test
    void aRequestTemplateStillWinsAndRawStillSkipsTemplates() throws Exception {
        JsonNode r = ok(http.post("/api/generate", """
                {"model":"templated","prompt":"Hello there","system":"Shout.","template":"Q: {{ .Prompt }} ({{ .System }}) A:{{ .Response }} never",
                 "stream":false,"options":{%s}}""".formatted(GREEDY)));
        GenerationResult expected = greedy("Q: Hello there (Shout.) A:");
        assertThat(r.get("response").asText()).isEqualTo(expected.text());
        assertThat(r.get("prompt_eval_count").asInt()).isEqualTo(expected.promptTokens());

        JsonNode raw = ok(http.post("/api/generate", "{\"model\":\"templated\",\"prompt\":\"Once upon\",\"raw\":true,\"stream\":false,\"options\":{" + GREEDY + "}}"));
        assertThat(raw.get("prompt_eval_count").asInt()).isEqualTo(greedy("Once upon").promptTokens());
    }

    @Test
    void chatRendersEachEarlierTurnThenTheLastUserMessage() throws Exception {
        String messages = """
                [{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"Tell me more"}]""";
        String expectedPrompt = "<|sys|>Be brief.<|user|>Hi<|bot|>Hello!<|sys|><|user|>Tell me more<|bot|>";
        GenerationResult expected = greedy(expectedPrompt);

        JsonNode ollama = ok(http.post("/api/chat", "{\"model\":\"templated\",\"stream\":false,\"messages\":" + messages
                + ",\"options\":{" + GREEDY + "}}"));
        assertThat(ollama.get("message").get("content").asText()).isEqualTo(expected.text());
        assertThat(ollama.get("prompt_eval_count").asInt()).isEqualTo(expected.promptTokens());

        JsonNode openai = ok(http.post("/v1/chat/completions", "{\"model\":\"templated\",\"messages\":" + messages
                + ",\"temperature\":0,\"max_tokens\":" + TOKENS + "}"));
        assertThat(openai.get("choices").get(0).get("message").get("content").asText()).isEqualTo(expected.text());
        assertThat(openai.get("usage").get("prompt_tokens").asInt()).isEqualTo(expected.promptTokens());
    }

    @Test
    void createRefusesATemplateGenerationCannotRenderAndWritesNothing() throws Exception {
        List<Path> before = files();
        var r = http.post("/api/create", """
                {"model":"bad","from":"templated","template":"{{ range .Tools }}{{ .Content }}{{ end }}","stream":false}""");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).contains("'template'").contains("'{{ range .Tools }}'");
        assertThat(files()).isEqualTo(before);
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactly("templated:latest");
    }

    private static List<Path> files() throws Exception {
        try (Stream<Path> files = Files.walk(home.resolve("blobs")); Stream<Path> manifests = Files.walk(home.resolve("manifests"))) {
            return Stream.concat(files, manifests).sorted().toList();
        }
    }
}
