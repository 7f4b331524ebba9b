package dev.bastion.web.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The conversations API through the real server, API keys on, on each database the security layer runs on. */
abstract class ConversationsApiContract {

    static final String PATH = ConversationsModule.PATH;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    @TempDir
    Path scratch;

    Map<String, String> environment;
    SecurityServices security;
    BastionServer server;
    String aliceKey;
    String bobKey;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    protected abstract Map<String, String> environment() throws Exception;

    @BeforeEach
    void start() throws Exception {
        environment = environment();
        security = SecurityServices.open(home, environment);
        security.users().create("alice", Role.USER);
        security.users().create("bob", Role.USER);
        aliceKey = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "k").secret();
        bobKey = security.keys().create("bob", Set.of(Scope.MODELS_USE), null, "k").secret();
        startServer();
    }

    void startServer() throws Exception {
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        ConversationsModule module = new ConversationsModule(new ConversationStore(security.database(), Clock.systemUTC()));
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind).withModule(module)),
                new StoreCatalog(new ModelStore(home)), LocalModelRuntime::load).start();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (security != null) security.database().close();
    }

    HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode ok(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    String create(String key, String title) throws Exception {
        return ok(send("POST", PATH, key, JSON.createObjectNode().put("title", title).put("model", "tiny").toString()), 201)
                .get("id").asText();
    }

    void append(String key, String id, String role, String content) throws Exception {
        String body = "{\"messages\":[" + JSON.createObjectNode().put("role", role).put("content", content) + "]}";
        ok(send("POST", PATH + "/" + id + "/messages", key, body), 201);
    }

    List<String> titles(String key, String query) throws Exception {
        List<String> titles = new ArrayList<>();
        String path = PATH + (query == null ? "" : "?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        ok(send("GET", path, key, null), 200).get("conversations").forEach(c -> titles.add(c.get("title").asText()));
        return titles;
    }

    /** A 404's status and error message, the parts a caller could tell apart. */
    static String notFound(HttpResponse<String> r) throws Exception {
        return r.statusCode() + " " + JSON.readTree(r.body()).path("error").toString();
    }

    @Test
    void anotherUsersConversationAnswersExactlyLikeAMissingOne() throws Exception {
        String id = create(aliceKey, "alice's plans");
        append(aliceKey, id, "user", "the secret is swordfish");
        String missing = UUID.randomUUID().toString();

        assertThat(titles(bobKey, null)).isEmpty();
        assertThat(titles(bobKey, "swordfish")).isEmpty();
        assertThat(titles(bobKey, "plans")).isEmpty();
        String[][] attempts = {
                {"GET", "", null}, {"PATCH", "", "{\"title\":\"mine now\"}"}, {"DELETE", "", null},
                {"GET", "/export?format=json", null}, {"GET", "/export?format=markdown", null},
                {"POST", "/messages", "{\"messages\":[{\"role\":\"user\",\"content\":\"injected\"}]}"}};
        for (String[] a : attempts) {
            HttpResponse<String> theirs = send(a[0], PATH + "/" + id + a[1], bobKey, a[2]);
            HttpResponse<String> none = send(a[0], PATH + "/" + missing + a[1], bobKey, a[2]);
            assertThat(theirs.statusCode()).as(a[0] + a[1]).isEqualTo(404);
            assertThat(notFound(theirs)).as(a[0] + a[1]).isEqualTo(notFound(none));
            assertThat(theirs.body()).doesNotContain("swordfish").doesNotContain("plans");
        }

        JsonNode intact = ok(send("GET", PATH + "/" + id, aliceKey, null), 200);
        assertThat(intact.get("title").asText()).isEqualTo("alice's plans");
        assertThat(intact.get("messages")).hasSize(1);
        assertThat(intact.get("messages").get(0).get("content").asText()).isEqualTo("the secret is swordfish");
    }

    @Test
    void historySurvivesAServerRestart() throws Exception {
        String id = create(aliceKey, "kept");
        append(aliceKey, id, "user", "hello");
        String body = "{\"messages\":[{\"role\":\"assistant\",\"content\":\"hi there\",\"thinking\":\"greet\","
                + "\"prompt_tokens\":7,\"generated_tokens\":3,\"tokens_per_second\":12.5,\"credits\":13,"
                + "\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]}]}";
        ok(send("POST", PATH + "/" + id + "/messages", aliceKey, body), 201);
        server.close();
        security.database().close();
        security = SecurityServices.open(home, environment);
        startServer();

        JsonNode got = ok(send("GET", PATH + "/" + id, aliceKey, null), 200);
        assertThat(got.get("title").asText()).isEqualTo("kept");
        JsonNode messages = got.get("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("position").asInt()).isZero();
        assertThat(messages.get(0).get("content").asText()).isEqualTo("hello");
        JsonNode reply = messages.get(1);
        assertThat(reply.get("position").asInt()).isEqualTo(1);
        assertThat(reply.get("thinking").asText()).isEqualTo("greet");
        assertThat(reply.get("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(reply.get("generated_tokens").asInt()).isEqualTo(3);
        assertThat(reply.get("tokens_per_second").asDouble()).isEqualTo(12.5);
        assertThat(reply.get("credits").asLong()).isEqualTo(13);
        assertThat(reply.get("tool_calls").get(0).get("function").get("arguments").get("a").asInt()).isEqualTo(1);
    }

    @Test
    void listsNewestFirstInPagesAndDeletes() throws Exception {
        String first = create(aliceKey, "one");
        Thread.sleep(5);
        create(aliceKey, "two");
        Thread.sleep(5);
        create(aliceKey, "three");
        Thread.sleep(5);
        append(aliceKey, first, "user", "bumps one to the top");

        assertThat(titles(aliceKey, null)).containsExactly("one", "three", "two");
        JsonNode page = ok(send("GET", PATH + "?limit=2&offset=2", aliceKey, null), 200);
        assertThat(page.get("conversations")).hasSize(1);
        assertThat(page.get("conversations").get(0).get("title").asText()).isEqualTo("two");
        assertThat(send("GET", PATH + "?limit=1000", aliceKey, null).statusCode()).isEqualTo(400);

        assertThat(send("DELETE", PATH + "/" + first, aliceKey, null).statusCode()).isEqualTo(204);
        assertThat(send("GET", PATH + "/" + first, aliceKey, null).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", PATH + "/" + first, aliceKey, null).statusCode()).isEqualTo(404);
        assertThat(titles(aliceKey, null)).containsExactly("three", "two");
    }

    @Test
    void searchTreatsWildcardsLiterallyAndLooksIntoMessages() throws Exception {
        create(aliceKey, "100% done");
        create(aliceKey, "100 percent");
        create(aliceKey, "a_b");
        create(aliceKey, "axb");
        create(aliceKey, "wow!");
        String inside = create(aliceKey, "plain");
        append(aliceKey, inside, "assistant", "The Needle is here");

        assertThat(titles(aliceKey, "%")).containsExactly("100% done");
        assertThat(titles(aliceKey, "_")).containsExactly("a_b");
        assertThat(titles(aliceKey, "!")).containsExactly("wow!");
        assertThat(titles(aliceKey, "needle")).containsExactly("plain");
        assertThat(titles(aliceKey, "100")).containsExactlyInAnyOrder("100% done", "100 percent");
    }

    @Test
    void exportsAreDownloadsInJsonAndMarkdown() throws Exception {
        String id = create(aliceKey, "Export me");
        append(aliceKey, id, "user", "question <b>bold</b>");

        HttpResponse<String> md = send("GET", PATH + "/" + id + "/export?format=markdown", aliceKey, null);
        assertThat(md.statusCode()).isEqualTo(200);
        assertThat(md.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/markdown");
        assertThat(md.headers().firstValue("Content-Disposition").orElseThrow())
                .isEqualTo("attachment; filename=\"conversation-" + id + ".md\"");
        assertThat(md.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(md.body()).startsWith("# Export me\n").contains("## user\n\nquestion <b>bold</b>");

        HttpResponse<String> json = send("GET", PATH + "/" + id + "/export?format=json", aliceKey, null);
        assertThat(json.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(json.headers().firstValue("Content-Disposition").orElseThrow())
                .isEqualTo("attachment; filename=\"conversation-" + id + ".json\"");
        assertThat(json.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(JSON.readTree(json.body()).get("messages").get(0).get("content").asText()).isEqualTo("question <b>bold</b>");

        assertThat(send("GET", PATH + "/" + id + "/export?format=html", aliceKey, null).statusCode()).isEqualTo(400);
    }

    @Test
    void hostileTitlesAndBodiesAreRefusedOrStoredAsText() throws Exception {
        String id = create(aliceKey, "fine");
        String script = "<script>alert(1)</script>";
        JsonNode renamed = ok(send("PATCH", PATH + "/" + id, aliceKey, JSON.createObjectNode().put("title", script).toString()), 200);
        assertThat(renamed.get("title").asText()).isEqualTo(script);
        assertThat(titles(aliceKey, "<script>")).containsExactly(script);

        for (String title : List.of("x".repeat(201), "a\u0000b", "line\nbreak", "tab\tbed", "esc\u001b[31m", "rtl\u202Eexe.txt",
                "del\u007f", "   ")) {
            HttpResponse<String> r = send("PATCH", PATH + "/" + id, aliceKey, JSON.createObjectNode().put("title", title).toString());
            assertThat(r.statusCode()).as(JSON.writeValueAsString(title)).isEqualTo(400);
            assertThat(send("POST", PATH, aliceKey, JSON.createObjectNode().put("title", title).toString()).statusCode())
                    .isEqualTo(400);
        }
        assertThat(ok(send("GET", PATH + "/" + id, aliceKey, null), 200).get("title").asText()).isEqualTo(script);
        assertThat(send("PATCH", PATH + "/" + id, aliceKey, "{\"title\":42}").statusCode()).isEqualTo(400);

        assertThat(send("POST", PATH, aliceKey, "{\"title\":").statusCode()).isEqualTo(400);
        assertThat(send("POST", PATH + "/" + id + "/messages", aliceKey, "not json").statusCode()).isEqualTo(400);
        assertThat(send("POST", PATH + "/" + id + "/messages", aliceKey,
                "{\"messages\":[{\"role\":\"root\",\"content\":\"x\"}]}").statusCode()).isEqualTo(400);
        assertThat(send("POST", PATH + "/" + id + "/messages", aliceKey,
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"credits\":-1}]}").statusCode()).isEqualTo(400);
        String huge = "x".repeat(ConversationsModule.MAX_CONTENT + 1);
        assertThat(send("POST", PATH + "/" + id + "/messages", aliceKey,
                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + huge + "\"}]}").statusCode()).isEqualTo(400);
        String tooBig = "{\"title\":\"" + "x".repeat(ConversationsModule.MAX_BODY) + "\"}";
        // Expect: 100-continue, as curl sends for large bodies: the refusal comes before the body is written. Without
        // it the server could answer and close while the client still wrote, and the client then saw no response.
        HttpRequest oversized = HttpRequest.newBuilder(URI.create(server.baseUrl() + PATH)).header("Authorization", "Bearer " + aliceKey)
                .expectContinue(true).POST(HttpRequest.BodyPublishers.ofString(tooBig)).build();
        assertThat(http.send(oversized, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(413);
        assertThat(ok(send("GET", PATH + "/" + id, aliceKey, null), 200).get("messages")).isEmpty();
    }

    @Test
    void aKeyIsRequired() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + PATH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
    }
}
