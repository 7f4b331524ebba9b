package dev.bastion.api;

import dev.bastion.engine.testing.NodePackages;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official {@code ollama} and {@code openai} npm clients' tool-calling flows (src/test/node/*-tools.mjs) against
 * the real server, template (Qwen2.5's) and parser, with a model whose replies are recorded tool calls
 * ({@link ScriptedToolModel}): the clients get tool calls they can use, send the results back and get an answer.
 */
class ToolClientCompatibilityTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    private static final String WEATHER_CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    static BastionServer server;
    static String key;
    static final ScriptedToolModel MODEL = new ScriptedToolModel();
    static final ToolCallingTest.FakeGateway GATEWAY = new ToolCallingTest.FakeGateway();

    @BeforeAll
    static void start() throws Exception {
        // The answer once the tool's result is in the prompt; the call when only the question is.
        MODEL.rules.put("<tool_response>\nsunny in Paris\n</tool_response>", "It is sunny in Paris.");
        MODEL.rules.put("<tool_response>\ncontents of notes.txt\n</tool_response>", "Your notes say hello.");
        MODEL.rules.put("Weather in Paris?", "Let me check.\n" + WEATHER_CALL);
        MODEL.rules.put("Read my notes", "<tool_call>\n{\"name\": \"files__read\", \"arguments\": {\"path\": \"notes.txt\"}}\n</tool_call>");
        ModelStore store = new ModelStore(home);
        store.importDirectory(ScriptedToolModel.write(source.resolve("m")), ModelName.parse("qwen-tools"), "alice");
        SecurityServices security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        key = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "clients").secret();
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(bind)).withModule(new ServerModule() {
            @Override
            public void register(io.javalin.config.JavalinConfig c) {}

            @Override
            public Optional<ToolGateway> toolGateway() {
                return Optional.of(GATEWAY);
            }
        });
        server = new BastionServer(config, new StoreCatalog(store), MODEL.loader()).start();
        NodePackages.install(NODE_DIR);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static JsonNode script(String name) throws Exception {
        return JsonFields.MAPPER.readTree(NodePackages.runScript(NODE_DIR, name, Map.of("BASE_URL", server.baseUrl(), "MODEL", "qwen-tools",
                "BASTION_API_KEY", key)));
    }

    private static void isTheWeatherCall(JsonNode name, JsonNode city) {
        assertThat(name.asText()).isEqualTo("get_weather");
        assertThat(city.asText()).isEqualTo("Paris");
    }

    @Test
    void ollamaClientToolFlow() throws Exception {
        JsonNode r = script("ollama-tools.mjs");
        assertThat(r.get("calls")).singleElement().satisfies(c ->
                isTheWeatherCall(c.get("function").get("name"), c.get("function").get("arguments").get("city")));
        assertThat(r.get("answer").asText()).isEqualTo("It is sunny in Paris.");
        assertThat(r.get("streamed").get("content").asText()).isEqualTo("Let me check.\n");
        assertThat(r.get("streamed").get("calls")).singleElement().satisfies(c ->
                isTheWeatherCall(c.get("function").get("name"), c.get("function").get("arguments").get("city")));

        List<JsonNode> steps = List.copyOf(r.get("serverSide").valueStream().toList());
        assertThat(steps).anySatisfy(m -> assertThat(m.path("tool_calls").path(0).path("function").path("name").asText()).isEqualTo("files__read"));
        assertThat(steps).anySatisfy(m -> {
            assertThat(m.get("role").asText()).isEqualTo("tool");
            assertThat(m.get("content").asText()).isEqualTo("contents of notes.txt");
        });
        assertThat(steps.stream().filter(m -> m.get("role").asText().equals("assistant")).map(m -> m.get("content").asText())
                .reduce("", String::concat)).isEqualTo("Your notes say hello.");
        assertThat(GATEWAY.calls).anySatisfy(c -> assertThat(c.user()).isEqualTo("alice"));
    }

    @Test
    void openAiClientToolFlow() throws Exception {
        JsonNode r = script("openai-tools.mjs");
        JsonNode first = r.get("first");
        assertThat(first.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(first.get("content").asText()).isEqualTo("Let me check.\n");
        assertThat(first.get("tool_calls")).singleElement().satisfies(c -> {
            assertThat(c.get("type").asText()).isEqualTo("function");
            JsonNode arguments = JsonFields.MAPPER.readTree(c.get("function").get("arguments").asText());
            isTheWeatherCall(c.get("function").get("name"), arguments.get("city"));
        });
        assertThat(r.get("answer").get("content").asText()).isEqualTo("It is sunny in Paris.");
        assertThat(r.get("answer").get("finish_reason").asText()).isEqualTo("stop");

        assertThat(r.get("streamed").get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(r.get("streamed").get("calls")).singleElement().satisfies(c -> {
            assertThat(c.get("id").asText()).isNotEmpty();
            isTheWeatherCall(c.get("name"), JsonFields.MAPPER.readTree(c.get("arguments").asText()).get("city"));
        });
        assertThat(r.get("helper").get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(r.get("helper").get("tool_calls")).singleElement().satisfies(c ->
                isTheWeatherCall(c.get("function").get("name"), JsonFields.MAPPER.readTree(c.get("function").get("arguments").asText()).get("city")));
    }
}
