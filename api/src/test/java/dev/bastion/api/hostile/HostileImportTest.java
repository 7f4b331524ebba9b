package dev.bastion.api.hostile;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.InvalidModelException;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.store.Modelfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Model directories whose files link to the server's secret key: the import is refused, so the secret never reaches a
 * model that the API shows to its users, and {@code /api/create} never builds on a directory at all.
 */
class HostileImportTest {

    private static final String SECRET = "c2VjcmV0LWtleS1vZi10aGUtc2VydmVyLTMyYnl0ZXM=";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path home;
    @TempDir
    Path source;

    private ModelStore store;
    private Path secret;
    private BastionServer server;

    @BeforeEach
    void start() throws IOException {
        store = new ModelStore(home);
        secret = Files.writeString(home.resolve("secret.key"), SECRET);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("good"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store), (dir, format) -> {
            throw new IllegalStateException("no generation in this test");
        }).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aLicenseSymlinkedToTheSecretKeyIsRefusedAndNeverShown() throws Exception {
        Path evil = TinyModelFixture.tinyModel(source.resolve("evil"), Architecture.LLAMA);
        Files.createSymbolicLink(evil.resolve("LICENSE"), secret);
        assertImportRefused(evil, "LICENSE is a symbolic link");
    }

    @Test
    void aTokenizerHardLinkedToTheSecretKeyIsRefusedAndNeverShown() throws Exception {
        Path evil = TinyModelFixture.tinyModel(source.resolve("evil"), Architecture.LLAMA);
        Files.delete(evil.resolve("tokenizer.json"));
        Files.createLink(evil.resolve("tokenizer.json"), secret);
        assertImportRefused(evil, "tokenizer.json has 2 hard links");
    }

    @Test
    void createNeverBuildsOnADirectory() throws Exception {
        Path evil = TinyModelFixture.tinyModel(home.resolve("evil"), Architecture.LLAMA);
        Files.createSymbolicLink(evil.resolve("LICENSE"), secret);
        for (String from : new String[] {evil.toString(), "evil", "./evil", "../" + home.getFileName() + "/evil"}) {
            HttpResponse<String> created = post("/api/create", Map.of("model", "sly", "from", from, "stream", false));
            assertThat(created.statusCode()).as(from + " -> " + created.body()).isBetween(400, 499);
            assertThat(created.body()).doesNotContain(SECRET.substring(0, 12));
        }
        assertThat(store.manifest(ModelName.parse("sly"))).isEmpty();
    }

    @Test
    void theShownModelfileCannotBeMadeToInjectParameters() throws Exception {
        String system = "hi\"\"\"\nPARAMETER temperature 99\n\"\"\"";
        HttpResponse<String> created = post("/api/create", Map.of("model", "sly", "from", "tiny", "system", system,
                "parameters", Map.of("temperature", 0.5), "stream", false));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String modelfile = JSON.readTree(post("/api/show", Map.of("model", "sly")).body()).get("modelfile").asText();
        Modelfile parsed = Modelfile.parse(modelfile);
        assertThat(parsed.system()).isEqualTo(system);
        assertThat(parsed.parameters()).isEqualTo(Map.of("temperature", 0.5));
    }

    private void assertImportRefused(Path dir, String message) throws Exception {
        assertThatThrownBy(() -> store.importDirectory(dir, ModelName.parse("sly"), null))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining(message).hasMessageNotContaining(SECRET.substring(0, 12));
        HttpResponse<String> shown = post("/api/show", Map.of("model", "sly"));
        assertThat(shown.statusCode()).isEqualTo(404);
        assertThat(get("/api/tags").body()).contains("tiny:latest").doesNotContain("sly");
        assertThat(post("/api/show", Map.of("model", "tiny")).body()).doesNotContain(SECRET.substring(0, 12));
        try (var blobs = Files.list(home.resolve("blobs"))) {
            for (Path blob : blobs.toList()) assertThat(Files.readString(blob, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, Map<String, Object> body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
