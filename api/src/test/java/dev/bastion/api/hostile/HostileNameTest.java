package dev.bastion.api.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.generate.LocalModelRuntime;
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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile model names against per-user namespaces, through the real server and security chain: name collisions,
 * existence probes on another user's namespace (reads and writes), traversal-like names, case and look-alike tricks,
 * an explicit {@code library/}, namespaces that are other users' names. Every probe on bob's model must answer exactly
 * as the same probe on a model that does not exist, and no probe may change what the store holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileNameTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ModelStore store;
    private SecurityServices services;
    private BastionServer server;
    private String alice;
    private String bob;
    private String root;

    private record Response(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        /** The body without its request id, which differs per request by design. */
        String comparable() {
            return status + " " + body.replaceAll(",?\"request_id\":\"[^\"]*\"", "");
        }
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(dir.resolve("source"), Architecture.LLAMA), ModelName.parse("shared"), null);
        services = SecurityServices.open(home, Map.of());
        for (String user : List.of("alice", "bob")) services.users().create(user, Role.USER);
        services.users().create("root", Role.ADMIN);
        // no rate limits: the probes are many requests
        SecurityConfig security = SecurityConfig.defaults().withBind("127.0.0.1", 0).withRateLimits(new RateLimits(0, 0, 0, Duration.ofMinutes(1)));
        SecurityFilterChain chain = new SecurityFilterChain(security,
services.keys(), services.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0))),
                new StoreCatalog(store), LocalModelRuntime::load).start();
        Set<Scope> manage = Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE);
        alice = services.keys().create("alice", manage, null, null).secret();
        bob = services.keys().create("bob", manage, null, null).secret();
        root = services.keys().create("root", Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE, Scope.ADMIN), null, null).secret();
        assertThat(post(bob, "/api/create", create("secret", "shared")).status()).isEqualTo(200);
        assertThat(post(bob, "/api/generate", "{\"model\":\"secret\"}").status()).as("loaded, so /api/ps has it").isEqualTo(200);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private List<String> stored() throws IOException {
        return store.list().stream().map(m -> m.name() + " " + m.digest()).sorted().toList();
    }

    private static String create(String model, String from) {
        return "{\"model\":" + quoted(model) + ",\"from\":" + quoted(from) + ",\"stream\":false}";
    }

    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Requests alice can make that name a model: with {@code everyEndpoint} each reading endpoint, else one of each
     * kind (the name is checked in one place); with {@code writes} also writing it.
     */
    private List<Response> probes(String name, boolean everyEndpoint, boolean writes) throws Exception {
        String m = quoted(name);
        List<Response> answers = new ArrayList<>();
        answers.add(post(alice, "/api/show", "{\"model\":" + m + "}"));
        if (everyEndpoint) {
            answers.add(post(alice, "/api/generate", "{\"model\":" + m + ",\"prompt\":\"hi\",\"stream\":false}"));
            answers.add(post(alice, "/api/chat", "{\"model\":" + m + ",\"messages\":[]}"));
            answers.add(post(alice, "/api/embed", "{\"model\":" + m + ",\"input\":\"hi\"}"));
            answers.add(post(alice, "/v1/chat/completions", "{\"model\":" + m + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
            answers.add(post(alice, "/v1/embeddings", "{\"model\":" + m + ",\"input\":\"hi\"}"));
            answers.add(send(alice, "GET", "/v1/models/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("%2F", "/"), null));
            answers.add(post(alice, "/api/create", create("loot", name)));
        }
        answers.add(post(alice, "/api/copy", "{\"source\":" + m + ",\"destination\":\"loot\"}"));
        answers.add(send(alice, "DELETE", "/api/delete", "{\"model\":" + m + "}"));
        if (writes) {
            answers.add(post(alice, "/api/copy", "{\"source\":\"shared\",\"destination\":" + m + "}"));
            answers.add(post(alice, "/api/create", create(name, "shared")));
        }
        return answers;
    }

    /** The probes on {@code probed} answer exactly as on the same name with "absent", which names no model. */
    private List<Response> assertSameAsUnknown(String probed, boolean everyEndpoint, boolean writes) throws Exception {
        List<String> before = stored();
        List<Response> onProbed = probes(probed, everyEndpoint, writes);
        List<Response> onUnknown = probes(ghost(probed), everyEndpoint, writes);
        for (int i = 0; i < onProbed.size(); i++) {
            assertThat(ghost(onProbed.get(i).comparable())).as("probe %d of '%s'", i, probed).isEqualTo(onUnknown.get(i).comparable());
        }
        assertThat(stored()).as("nothing written for '%s'", probed).isEqualTo(before);
        return onProbed;
    }

    private static String ghost(String text) {
        return text.replace("secret", "absent").replace("Secret", "Absent").replace("SECRET", "ABSENT");
    }

    @ParameterizedTest
    // names match case-insensitively (as Ollama's), so Bob/secret and bob/Secret are bob/secret
    @ValueSource(strings = {"bob/secret", "bob/secret:latest", "secret", "Bob/secret", "bob/Secret", "BOB/SECRET:latest"})
    void bobsModelAnswersAliceExactlyLikeAMissingOne(String probed) throws Exception {
        // an unqualified name alice writes is her own, so only qualified ones are probed for writes
        List<Response> answers = assertSameAsUnknown(probed, true, ModelName.isQualified(probed));
        for (Response r : answers) assertThat(r.status()).as(r.body()).isIn(403, 404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../bob/secret", "alice/../bob/secret", "bob/./secret", "bob%2fsecret", "bob\\secret", "bob//secret",
            "/bob/secret", "alice/bob/secret", "bob/secret:../x", "b\u043eb/secret",
            "bob\u0000/secret", "bob/secret\n"})
    void traversalCaseAndLookAlikeNamesAreRefusedAndRevealNothing(String probed) throws Exception {
        for (Response r : assertSameAsUnknown(probed, false, true)) assertThat(r.status()).as(r.body()).isIn(400, 404);
    }

    @Test
    void writingIntoAnotherUsersNamespaceIsOneAnswerWhetherOrNotTheModelExists() throws Exception {
        List<String> before = stored();
        List<String> answers = new ArrayList<>();
        for (String target : List.of("bob/secret", "bob/absent", "bob/secret:v2", "root/x", "nobody/x", "library/shared", "library/new")) {
            answers.add(post(alice, "/api/create", create(target, "shared")).comparable());
            answers.add(post(alice, "/api/copy", "{\"source\":\"shared\",\"destination\":" + quoted(target) + "}").comparable());
        }
        assertThat(answers).containsOnly("403 {\"error\":\"you may only create models in your namespace 'alice'\"}");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void namesThatCollideAcrossUsersAreSeparateModels() throws Exception {
        Map<String, String> keys = Map.of("alice", alice, "bob", bob, "root", root);
        for (var user : keys.entrySet()) {
            assertThat(post(user.getValue(), "/api/create", "{\"model\":\"same\",\"from\":\"shared\",\"system\":\""
                    + user.getKey() + "\",\"stream\":false}").status()).as(user.getKey()).isEqualTo(200);
        }
        for (var user : keys.entrySet()) {
            assertThat(post(user.getValue(), "/api/show", "{\"model\":\"same\"}").json().get("system").asText()).isEqualTo(user.getKey());
        }
        // a model named like another user is still the creator's own
        assertThat(post(alice, "/api/create", create("bob", "shared")).status()).isEqualTo(200);
        assertThat(post(alice, "/api/create", create("alice/alice", "shared")).status()).isEqualTo(200);
        assertThat(store.list()).extracting(m -> m.name().toString())
                .contains("alice/same:latest", "bob/same:latest", "root/same:latest", "alice/bob:latest", "alice/alice:latest")
                .doesNotContain("same:latest", "bob:latest");
        assertThat(post(bob, "/api/show", "{\"model\":\"bob\"}").status()).isEqualTo(404);
        for (String key : keys.values()) assertThat(send(key, "DELETE", "/api/delete", "{\"model\":\"same\"}").status()).isEqualTo(200);
        assertThat(send(alice, "DELETE", "/api/delete", "{\"model\":\"bob\"}").status()).isEqualTo(200);
        assertThat(send(alice, "DELETE", "/api/delete", "{\"model\":\"alice\"}").status()).isEqualTo(200);
    }

    @Test
    void anExplicitLibraryNamesOnlySharedModels() throws Exception {
        assertThat(post(alice, "/api/show", "{\"model\":\"library/shared\"}").status()).isEqualTo(200);
        assertThat(post(alice, "/api/show", "{\"model\":\"library/shared:latest\"}").status()).isEqualTo(200);
        assertSameAsUnknown("library/secret", false, false);
        assertThat(send(alice, "DELETE", "/api/delete", "{\"model\":\"library/shared\"}").comparable())
                .isEqualTo("403 {\"error\":\"model 'shared:latest' belongs to another user\"}");
    }

    @Test
    void listingsNeverShowAnotherUsersModel() throws Exception {
        for (String listing : List.of("/api/tags", "/v1/models", "/api/ps")) {
            assertThat(send(alice, "GET", listing, null).body()).as(listing).doesNotContain("secret");
            assertThat(send(bob, "GET", listing, null).body()).as(listing).contains("bob/secret:latest");
        }
    }

    private Response post(String key, String path, String body) throws Exception {
        return send(key, "POST", path, body);
    }

    private Response send(String key, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }
}
