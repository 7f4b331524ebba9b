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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** How Open WebUI and {@code ollama create} upload a model: each file to /api/blobs, then /api/create with files. */
class BlobUploadApiTest {

    @TempDir
    Path home;
    @TempDir
    Path source;

    private ModelStore store;
    private BastionServer server;
    private TestHttp http;

    @BeforeEach
    void start() throws Exception {
        store = new ModelStore(home);
        // a JSON body limit far below the weights' size: uploads have their own cap
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withMaxBodyBytes(4096),
                new StoreCatalog(store), (d, format) -> new FakeRuntime("tiny", 0)).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void uploadedFilesCreateAModel() throws Exception {
        Path model = TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA);
        Map<String, String> files = new TreeMap<>();
        try (var list = Files.list(model)) {
            for (Path f : list.toList()) {
                byte[] bytes = Files.readAllBytes(f);
                String d = digest(bytes);
                assertThat(http.head("/api/blobs/" + d).status()).isEqualTo(404);
                var up = http.post("/api/blobs/" + d, bytes);
                assertThat(up.status()).as(f + ": " + up.body()).isEqualTo(201);
                assertThat(http.head("/api/blobs/" + d).status()).isEqualTo(200);
                files.put(f.getFileName().toString(), d);
            }
        }
        assertThat(Files.size(model.resolve("model.safetensors"))).as("over the JSON body limit").isGreaterThan(4096);
        for (String bad : List.of("\"template\":\"{{ if .System }}unclosed\"", "\"quantize\":\"q2_k\"")) {
            var refused = http.post("/api/create", "{\"model\":\"half\",\"stream\":false,\"files\":"
                    + JsonFields.MAPPER.writeValueAsString(files) + "," + bad + "}");
            assertThat(refused.status()).as(bad + ": " + refused.body()).isEqualTo(400);
        }
        assertThat(store.list()).as("nothing half-made").isEmpty();
        assertThat(http.head("/api/blobs/" + files.get("config.json")).status()).as("the uploads wait for the next try").isEqualTo(200);
        var created = http.post("/api/create", JsonFields.MAPPER.writeValueAsString(Map.of("model", "Uploaded", "files", files,
                "system", "Be brief.", "stream", false)));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        assertThat(created.json().get("status").asText()).isEqualTo("success");
        JsonNode show = http.post("/api/show", "{\"model\":\"uploaded\"}").json();
        assertThat(show.get("system").asText()).isEqualTo("Be brief.");
        assertThat(show.get("model_info").get("general.architecture").asText()).isEqualTo("llama");
        assertThat(store.show(ModelName.parse("uploaded")).parameterCount()).isPositive();
    }

    @Test
    void hostileUploadsAndCreatesAreRefusedWithoutLeakingPaths() throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String right = digest(body);
        var mismatch = http.post("/api/blobs/" + digest("other".getBytes(StandardCharsets.UTF_8)), body);
        assertThat(mismatch.status()).isEqualTo(400);
        assertThat(mismatch.json().get("error").asText()).contains("digest mismatch");
        for (String bad : List.of("sha256:xyz", "md5:" + "0".repeat(32), "sha256:" + "0".repeat(64) + "%2F..%2Fx", "..")) {
            assertThat(http.post("/api/blobs/" + bad, body).status()).as(bad).isIn(400, 404);
            assertThat(http.head("/api/blobs/" + bad).status()).as(bad).isIn(400, 404);
        }
        assertThat(http.post("/api/blobs/" + right, body).status()).isEqualTo(201);
        for (String files : List.of("{\"model.gguf\":\"" + right + "\"}", "{\"config.json\":\"" + right + "\",\"../../x\":\"" + right + "\"}",
                "{\"config.json\":\"sha256:" + "1".repeat(64) + "\"}", "{\"config.json\":42}", "[]", "{}",
                "{\"config.json\":\"" + right + "\"}")) {
            var r = http.post("/api/create", "{\"model\":\"x\",\"stream\":false,\"files\":" + files + "}");
            assertThat(r.status()).as(files + " " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(files).doesNotContain(home.toString()).doesNotContain("tmp-stage");
        }
        assertThat(http.post("/api/create", "{\"model\":\"x\",\"stream\":false,\"files\":{\"model.gguf\":\"" + right + "\"}}")
                .json().get("error").asText()).contains("GGUF");
        assertThat(store.list()).isEmpty();
    }
}
