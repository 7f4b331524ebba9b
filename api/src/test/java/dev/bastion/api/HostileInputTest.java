package dev.bastion.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile names and bodies against every endpoint, on a real store: each gets a 4xx and the store is untouched. */
class HostileInputTest {

    private static final List<String> HOSTILE_NAMES = List.of(
            "../x", "../../etc/passwd", "%2e%2e", "%2e%2e%2fx", "..", "/etc/passwd", "/tmp", "tiny/../../x",
            "a\u0000b", "tiny\u0000", "x".repeat(10_000), "C:\\windows", "tiny\\..\\x", "", " ", "ns/name/extra", "a:b:c",
            "😀", "tiny\n", "./tiny");

    @TempDir
    Path home;
    @TempDir
    Path source;

    private BastionServer server;
    private TestHttp http;

    @BeforeEach
    void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), "alice");
        ServerConfig config = ServerConfig.defaults(new BindAddress("127.0.0.1", 0)).withMaxBodyBytes(64 * 1024);
        server = new BastionServer(config, new StoreCatalog(store), (dir, format) -> new FakeRuntime("tiny", 0)).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String body(String... fieldsAndValues) {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        for (int i = 0; i < fieldsAndValues.length; i += 2) o.put(fieldsAndValues[i], fieldsAndValues[i + 1]);
        return o.toString();
    }

    private SortedMap<String, Long> snapshot() throws IOException {
        SortedMap<String, Long> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : all.toList()) {
                if (p.getFileName().toString().equals(".lock")) continue;
                files.put(home.relativize(p).toString(), Files.isRegularFile(p) ? Files.size(p) : -1);
            }
        }
        return files;
    }

    private static void assertRejected(TestHttp.Response r, String what) {
        assertThat(r.status()).as(what + " -> " + r.body()).isBetween(400, 499);
        assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("/tmp").doesNotContain("dev.bastion");
        if (!r.body().isEmpty() && r.contentType().startsWith("application/json")) {
            assertThat(r.json().has("error")).as(what).isTrue();
        }
    }

    @Test
    void hostileModelNamesAreRejectedEverywhereAndNothingChanges() throws Exception {
        SortedMap<String, Long> before = snapshot();
        for (String name : HOSTILE_NAMES) {
            String shown = name.length() > 20 ? name.substring(0, 20) + "…" : name;
            assertRejected(http.post("/api/generate", body("model", name, "prompt", "hi", "stream", "false")), "generate " + shown);
            assertRejected(http.post("/api/chat", "{\"model\":" + JsonFields.MAPPER.writeValueAsString(name)
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "chat " + shown);
            assertRejected(http.post("/api/show", body("model", name)), "show " + shown);
            assertRejected(http.post("/api/embed", body("model", name, "input", "x")), "embed " + shown);
            assertRejected(http.post("/api/embeddings", body("model", name, "prompt", "x")), "embeddings " + shown);
            assertRejected(http.delete("/api/delete", body("model", name)), "delete " + shown);
            assertRejected(http.post("/api/copy", body("source", "tiny", "destination", name)), "copy to " + shown);
            assertRejected(http.post("/api/copy", body("source", name, "destination", "ok")), "copy from " + shown);
            assertRejected(http.post("/api/create", body("model", name, "from", "tiny")), "create " + shown);
            assertRejected(http.post("/api/create", body("model", "ok", "from", name)), "create from " + shown);
            assertRejected(http.post("/v1/chat/completions", "{\"model\":" + JsonFields.MAPPER.writeValueAsString(name)
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "openai chat " + shown);
            assertRejected(http.post("/v1/completions", body("model", name, "prompt", "x")), "completions " + shown);
            assertRejected(http.post("/v1/embeddings", body("model", name, "input", "x")), "openai embeddings " + shown);
            if (!name.isEmpty()) {
                assertRejected(http.get("/v1/models/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20")), "models/" + shown);
            }
        }
        assertRejected(http.get("/v1/models/..%2f..%2fetc"), "raw encoded traversal");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(http.get("/api/tags").json().get("models")).extracting(m -> m.get("name").asText()).containsExactly("tiny:latest");
    }

    @Test
    void createCannotImportAServerDirectory() throws Exception {
        SortedMap<String, Long> before = snapshot();
        Path dir = TinyModelFixture.tinyModel(source.resolve("elsewhere"), Architecture.LLAMA);
        var r = http.post("/api/create", body("model", "stolen", "from", dir.toString()));
        assertThat(r.status()).isEqualTo(400); // the message may quote the client's own text, nothing else
        assertThat(r.json().get("error").asText()).contains("model name").doesNotContain("Exception");
        var relative = http.post("/api/create", body("model", "stolen", "from", "blobs"));
        assertThat(relative.status()).isEqualTo(404);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void malformedOversizedAndIncompleteBodies() throws Exception {
        SortedMap<String, Long> before = snapshot();
        for (String path : List.of("/api/generate", "/api/chat", "/api/show", "/api/create", "/api/copy", "/api/embed",
                "/v1/chat/completions", "/v1/completions", "/v1/embeddings")) {
            assertRejected(http.post(path, "{\"model\":"), "truncated JSON to " + path);
            assertRejected(http.post(path, "[]"), "array body to " + path);
            assertRejected(http.post(path, ""), "empty body to " + path);
            assertRejected(http.post(path, "{}"), "missing fields to " + path);
            assertRejected(http.post(path, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}), "binary body to " + path);
            assertRejected(http.post(path, "{\"model\":\"tiny\",\"x\":\"" + "a".repeat(70_000) + "\"}"), "oversized body to " + path);
            assertThat(http.post(path, "{\"model\":\"tiny\",\"x\":\"" + "a".repeat(70_000) + "\"}").status()).isEqualTo(413);
            assertRejected(http.post(path, "{\"model\":" + "[".repeat(3000) + "]".repeat(3000) + "}"), "deep nesting to " + path);
            assertRejected(http.post(path, "{\"model\":42}"), "numeric model to " + path);
        }
        assertRejected(http.delete("/api/delete", "{}"), "delete without model");
        assertRejected(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"temperature\":\"hot\"}}"), "hot");
        assertRejected(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"x\",\"keep_alive\":\"forever\"}"), "keep_alive");
        assertThat(snapshot()).isEqualTo(before);
    }
}
