package dev.bastion.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.credits.CreditsMetering;
import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.credits.Credits;
import dev.bastion.credits.CreditsConfig;
import dev.bastion.credits.Price;
import dev.bastion.credits.Prices;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import dev.bastion.web.conversations.ChatTurnsModule;
import dev.bastion.web.conversations.ConversationStore;
import dev.bastion.web.conversations.ConversationsModule;
import dev.bastion.web.files.FilesModule;
import dev.bastion.web.files.Uploads;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real server with API keys, credits on (1 credit per prompt token, 2 per generated), the tiny generated model
 * "tiny", and the web app's conversations, chat turns and uploads; users alice and bob, each granted credits.
 */
public final class WebServerFixture implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();
    public static final long GRANT = 1_000_000;
    public static final String ALICE_PASSWORD = "correct horse battery staple";

    public final Path home;
    public final SecurityServices security;
    public final Credits credits;
    public final BastionServer server;
    public final ConversationStore conversations;
    public final String aliceKey;
    public final String bobKey;
    public final long aliceId;
    public final long bobId;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public WebServerFixture(Path home, Path scratch, Uploads.Limits limits) throws Exception {
        this(home, scratch, limits, Map.of());
    }

    /** @param environment the security layer's (e.g. a PostgreSQL database's) */
    public WebServerFixture(Path home, Path scratch, Uploads.Limits limits, Map<String, String> environment) throws Exception {
        this.home = home;
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(scratch.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        security = SecurityServices.open(home, environment);
        aliceId = security.users().create("alice", Role.USER).id();
        bobId = security.users().create("bob", Role.USER).id();
        aliceKey = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "k").secret();
        bobKey = security.keys().create("bob", Set.of(Scope.MODELS_USE), null, "k").secret();
        credits = new Credits(security.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC());
        credits.prices().set(new Price(Prices.DEFAULT, 1000, 2000, 0), "test");
        credits.ledger().grant(aliceId, GRANT, "grant-alice", "test", null);
        credits.ledger().grant(bobId, GRANT, "grant-bob", "test", null);
        Uploads uploads = new Uploads(security.database(), home, limits, Clock.systemUTC());
        // keyed from the server secret; BASTION_ENCRYPT_MODELS in the environment turns history encryption on
        conversations = ConversationStore.open(security, environment);
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityConfig config = SecurityConfig.defaults().withBind(bind.host(), bind.port())
                .withRateLimits(new RateLimits(100_000, 100_000, 100_000, Duration.ofMinutes(1)));
        SecurityFilterChain chain = new SecurityFilterChain(config, security.keys(), security.audit());
        WebSessionsModule sessions = new WebSessionsModule(security, false, WebSessionsModule.SignInLimits.DEFAULT,
                Clock.systemUTC(), Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE);
        sessions.passwords().set("alice", ALICE_PASSWORD);
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind)
                .withModule(sessions)
                .withModule(new ConversationsModule(conversations))
                .withModule(new ChatTurnsModule(conversations, uploads))
                .withModule(new FilesModule(uploads, security.audit()))),
                new StoreCatalog(store), LocalModelRuntime::load, new CreditsMetering(credits, security.audit())).start();
    }

    public HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signs alice in with her password: her session cookie's value and CSRF token. */
    public String[] signInAlice() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/web/api/sign-in"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("user", "alice", "password", ALICE_PASSWORD)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return new String[]{setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';')),
                JSON.readTree(r.body()).get("csrf_token").asText()};
    }

    public HttpResponse<byte[]> download(String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    public JsonNode ok(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    /** A file part: its name as the client sends it (raw, quotes and all) and its bytes. */
    public record Part(String filename, byte[] content) {}

    /** A multipart/form-data upload written byte by byte, so hostile file names reach the server as sent. */
    public HttpResponse<String> upload(String key, List<Part> parts) throws Exception {
        String boundary = "----bastion" + UUID.randomUUID();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (Part p : parts) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + p.filename()
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(p.content());
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.baseUrl() + FilesModule.PATH))
                .header("Authorization", "Bearer " + key).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        // a connection of its own: the server may close one whose upload it refused before reading it all
        try (HttpClient own = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            return own.send(r, HttpResponse.BodyHandlers.ofString());
        }
    }

    public HttpResponse<String> upload(String key, String name, String text) throws Exception {
        return upload(key, List.of(new Part(name, text.getBytes(StandardCharsets.UTF_8))));
    }

    public String uploadedId(String key, String name, byte[] content) throws Exception {
        return ok(upload(key, List.of(new Part(name, content))), 201).get("files").get(0).get("id").asText();
    }

    @Override
    public void close() {
        server.close();
        credits.close();
        security.database().close();
    }
}
