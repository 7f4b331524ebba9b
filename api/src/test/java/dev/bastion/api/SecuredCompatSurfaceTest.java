package dev.bastion.api;

import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Blob uploads, x-api-key and CORS patterns through the real security chain, with a small JSON body limit. */
class SecuredCompatSurfaceTest {

    @TempDir
    static Path home;
    @TempDir
    static Path source;

    static BastionServer server;
    static ModelStore store;
    static String useKey;
    static String manageKey;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        SecurityServices security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        useKey = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "use").secret();
        manageKey = security.keys().create("alice", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE), null, "manage").secret();
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityConfig config = SecurityConfig.defaults().withBind(bind.host(), bind.port())
                .withLimits(4096, 16384, Duration.ofSeconds(10))
                .withNetwork(List.of(), List.of(), List.of("vscode-webview://*", "https://*.example.com"));
        SecurityFilterChain chain = new SecurityFilterChain(config, security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind)), new StoreCatalog(store), Runtimes.LOADER).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return CLIENT.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
    }

    @Test
    void blobsOverTheJsonBodyLimitUploadWithAManageKeyOnly() throws Exception {
        byte[] weights = Files.readAllBytes(source.resolve("m/model.safetensors"));
        assertThat(weights.length).isGreaterThan(4096);
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
        HttpRequest.Builder upload = at("/api/blobs/" + digest).POST(HttpRequest.BodyPublishers.ofByteArray(weights));
        assertThat(send(upload.copy()).statusCode()).as("no key").isEqualTo(401);
        assertThat(send(upload.copy().header("Authorization", "Bearer " + useKey)).statusCode()).as("models:use only").isEqualTo(403);
        assertThat(store.uploads().has(digest)).isFalse();
        var ok = send(upload.copy().header("Authorization", "Bearer " + manageKey));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        assertThat(send(at("/api/blobs/" + digest).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + manageKey)).statusCode()).isEqualTo(200);
        var bigJson = send(at("/api/chat").header("Authorization", "Bearer " + useKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"x\":\"" + "x".repeat(5000) + "\"}")));
        assertThat(bigJson.statusCode()).as("the JSON routes keep their limit").isEqualTo(413);
    }

    @Test
    void anthropicClientsAuthenticateWithXApiKeyAndGetAnthropicErrors() throws Exception {
        String body = "{\"model\":\"tiny\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        var ok = send(at("/v1/messages").header("x-api-key", useKey).header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        var none = send(at("/v1/messages").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("\"type\":\"error\"").contains("\"authentication_error\"");
        var mixed = send(at("/v1/messages").header("x-api-key", manageKey).header("Authorization", "Bearer " + useKey)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(mixed.statusCode()).as("two different keys").isEqualTo(401);
    }

    @Test
    void corsPatternsAdmitAppOriginsAndTheSdkHeadersOnly() throws Exception {
        var preflight = send(at("/v1/messages").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "vscode-webview://0a1b2c").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "x-api-key,anthropic-version,x-stainless-os,content-type"));
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("vscode-webview://0a1b2c");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().toLowerCase())
                .contains("x-api-key", "anthropic-version", "x-stainless-os");
        for (String hostile : List.of("https://evil.com#vscode-webview://x", "https://example.com.evil.net", "http://localhost:3000")) {
            var r = send(at("/api/tags").header("Origin", hostile).header("Authorization", "Bearer " + useKey));
            assertThat(r.statusCode()).as(hostile).isEqualTo(403);
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(hostile).isEmpty();
        }
        var sub = send(at("/api/tags").header("Origin", "https://chat.example.com").header("Authorization", "Bearer " + useKey));
        assertThat(sub.statusCode()).isEqualTo(200);
        assertThat(sub.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://chat.example.com");
    }
}
