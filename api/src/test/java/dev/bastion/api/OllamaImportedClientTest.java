package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.NodePackages;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
import dev.bastion.store.OllamaModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance of {@code import --ollama}: an Ollama models directory built here (stories260K written as GGUF, a
 * template of Ollama's library, params, system and license layers, Ollama's manifest) is imported into a real store,
 * and the stock {@code ollama} npm client lists it, shows its template and parameters, and chats with it streamed,
 * against a running server with authentication on. The same model imported as SafeTensors with the same template
 * must answer the same (greedy) text: the GGUF path changes nothing the client can see.
 */
class OllamaImportedClientTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PARAMS = "{\"stop\": [\"<|im_end|>\"], \"num_ctx\": 256, \"temperature\": 0.7, \"mirostat\": 0}";

    @TempDir
    static Path tmp;
    static BastionServer server;
    static String key;
    static String template;
    static boolean linked;

    @BeforeAll
    static void start() throws Exception {
        template = resource("/templates/ollama/library/chatml.gotmpl");
        Path ollama = ollamaDirectory(tmp.resolve("ollama"));
        Path home = tmp.resolve("home");
        ModelStore store = new ModelStore(home);
        OllamaModels.Model model = OllamaModels.read(ollama, "stories:260k");
        linked = store.importOllama(model, OllamaModels.storeName("stories:260k"), null).linked();
        // its SafeTensors twin, with the same template and parameters
        store.importDirectory(Stories260K.copyTo(tmp.resolve("st")), ModelName.parse("stories-st"), null);
        store.create(ModelName.parse("stories-st"), new Modelfile("stories-st", model.parameters(), template, model.system(), null),
                null, null);

        SecurityServices security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        key = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "clients").secret();
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind)), new StoreCatalog(store), Runtimes.LOADER).start();
        NodePackages.install(NODE_DIR);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** Lays out an Ollama models directory as {@code ollama pull} leaves it. */
    private static Path ollamaDirectory(Path root) throws Exception {
        Path gguf = GgufExport.export(Stories260K.directory(), tmp.resolve("stories.gguf"), StorageType.F32, GgufModelExport.Vocabulary.LLAMA);
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
        manifest.set("config", layer(root, "application/vnd.docker.container.image.v1+json",
                "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"file_type\":\"F32\"}".getBytes(StandardCharsets.UTF_8)));
        ArrayNode layers = manifest.putArray("layers");
        layers.add(layer(root, "application/vnd.ollama.image.model", Files.readAllBytes(gguf)));
        layers.add(layer(root, "application/vnd.ollama.image.template", template.getBytes(StandardCharsets.UTF_8)));
        layers.add(layer(root, "application/vnd.ollama.image.system", "You tell short stories.".getBytes(StandardCharsets.UTF_8)));
        layers.add(layer(root, "application/vnd.ollama.image.license", "MIT".getBytes(StandardCharsets.UTF_8)));
        layers.add(layer(root, "application/vnd.ollama.image.params", PARAMS.getBytes(StandardCharsets.UTF_8)));
        Path file = root.resolve("manifests/registry.ollama.ai/library/stories/260k");
        Files.createDirectories(file.getParent());
        Files.write(file, JSON.writeValueAsBytes(manifest));
        return root;
    }

    private static ObjectNode layer(Path root, String mediaType, byte[] content) throws Exception {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        Files.createDirectories(root.resolve("blobs"));
        Files.write(root.resolve("blobs/sha256-" + hex), content);
        return JSON.createObjectNode().put("mediaType", mediaType).put("digest", "sha256:" + hex).put("size", content.length);
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = OllamaImportedClientTest.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing test resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode script(String model) throws Exception {
        return JSON.readTree(NodePackages.runScript(NODE_DIR, "ollama-imported.mjs",
                Map.of("BASE_URL", server.baseUrl(), "MODEL", model, "BASTION_API_KEY", key)));
    }

    @Test
    void theStockOllamaClientListsShowsAndChatsWithTheImportedModel() throws Exception {
        assertThat(linked).as("the GGUF was hard-linked from the Ollama directory").isTrue();
        JsonNode r = script("stories:260k");

        assertThat(r.get("list").findValuesAsText("name")).contains("stories:260k", "stories-st:latest");
        for (JsonNode m : r.get("list")) {
            assertThat(m.get("format").asText()).isEqualTo(m.get("name").asText().equals("stories:260k") ? "gguf" : "safetensors");
        }

        JsonNode show = r.get("show");
        assertThat(show.get("template").asText()).isEqualTo(template);
        assertThat(show.get("system").asText()).isEqualTo("You tell short stories.");
        assertThat(show.get("license").asText()).isEqualTo("MIT");
        assertThat(show.get("parameters").asText().lines().map(l -> l.replaceAll("\\s+", " ")).toList())
                .contains("stop \"<|im_end|>\"", "num_ctx 256", "temperature 0.7").noneMatch(l -> l.startsWith("mirostat"));
        assertThat(show.get("modelfile").asText()).contains("TEMPLATE").contains("<|im_start|>");
        assertThat(show.get("family").asText()).isEqualTo("llama");
        assertThat(show.get("format").asText()).isEqualTo("gguf");

        JsonNode chat = r.get("chat");
        assertThat(chat.get("role").asText()).isEqualTo("assistant");
        assertThat(chat.get("done").asBoolean()).isTrue();
        assertThat(chat.get("eval_count").asInt()).isBetween(1, 8);
        assertThat(chat.get("content").asText()).isNotBlank();
        JsonNode stream = r.get("chatStream");
        assertThat(stream.get("content").asText()).as("greedy: the same text streamed").isEqualTo(chat.get("content").asText());
        assertThat(stream.get("chunks").asInt()).isGreaterThan(1);
        assertThat(stream.get("done").asBoolean()).isTrue();

        JsonNode twin = script("stories-st").get("chat");
        assertThat(chat.get("content").asText()).as("the SafeTensors twin answers the same").isEqualTo(twin.get("content").asText());
        assertThat(chat.get("prompt_eval_count").asInt()).isEqualTo(twin.get("prompt_eval_count").asInt());
    }
}
