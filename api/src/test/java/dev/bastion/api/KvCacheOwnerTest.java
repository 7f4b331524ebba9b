package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.GenerationResult;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KV-cache reuse through the real server and security chain: a user's next chat turn reuses the cache of the previous
 * one, keyed by the user's id; another user with the identical conversation never gets it (no shared state, no timing
 * signal), and the answers do not depend on the cache.
 */
class KvCacheOwnerTest {

    @TempDir
    Path home;
    @TempDir
    Path source;

    private SecurityServices services;
    private BastionServer server;
    private final List<Run> runs = new CopyOnWriteArrayList<>();

    record Run(String owner, int promptTokens, int cachedTokens) {}

    /** The real runtime, recording whose cache each generation asked for and how much of it was reused. */
    private final class Recording extends DelegatingRuntime {
        Recording(ModelRuntime runtime) {
            super(runtime);
        }

        @Override
        public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink, CancellationToken cancel) {
            GenerationResult result = runtime.generate(prompt, options, sink, cancel);
            runs.add(new Run(options.cacheOwner(), result.promptTokens(), result.cachedTokens()));
            return result;
        }
    }

    @BeforeEach
    void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.QWEN2), ModelName.parse("tiny"), null);
        services = SecurityServices.open(home, Map.of());
        services.users().create("alice", Role.USER);
        services.users().create("bob", Role.USER);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind("127.0.0.1", 0), services.keys(), services.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)));
        server = new BastionServer(config, new StoreCatalog(store),
                (dir, format) -> new Recording(LocalModelRuntime.load(dir, format))).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TestHttp client(String user) {
        String key = services.keys().create(user, Set.of(Scope.MODELS_USE), null, null).secret();
        return new TestHttp(server.baseUrl(), "Authorization", "Bearer " + key);
    }

    private static String chat(String... turns) {
        // Greedy and short in both APIs' words.
        ObjectNode body = JsonFields.MAPPER.createObjectNode().put("model", "tiny").put("stream", false)
                .put("temperature", 0).put("max_tokens", 6);
        body.putObject("options").put("num_predict", 6).put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        for (int i = 0; i < turns.length; i++) {
            messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", turns[i]);
        }
        return body.toString();
    }

    private static String answer(TestHttp.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode json = response.json();
        return json.has("message") ? json.get("message").get("content").asText()
                : json.get("choices").get(0).get("message").get("content").asText();
    }

    private Run last() {
        return runs.getLast();
    }

    @Test
    void aUsersNextTurnReusesHerCacheAndNobodyElseEverGetsIt() throws Exception {
        TestHttp alice = client("alice");
        TestHttp bob = client("bob");
        long aliceId = services.users().find("alice").orElseThrow().id();

        String first = answer(alice.post("/api/chat", chat("Hello there")));
        assertThat(last()).isEqualTo(new Run("user:" + aliceId, last().promptTokens(), 0));
        String second = answer(alice.post("/api/chat", chat("Hello there", first, "Tell me more")));
        assertThat(last().cachedTokens()).isPositive();

        // Bob replays alice's conversation word for word: same answers, but none of her cache.
        assertThat(answer(bob.post("/api/chat", chat("Hello there")))).isEqualTo(first);
        assertThat(last().owner()).isNotEqualTo("user:" + aliceId).startsWith("user:");
        assertThat(last().cachedTokens()).isZero();
        assertThat(answer(bob.post("/api/chat", chat("Hello there", first, "Tell me more")))).isEqualTo(second);
        Run bobsSecond = last();

        // The OpenAI route is the same user and the same cache.
        String viaOpenAi = answer(alice.post("/v1/chat/completions", chat("Hello there", first, "Tell me more")));
        assertThat(viaOpenAi).isEqualTo(second);
        assertThat(last().owner()).isEqualTo("user:" + aliceId);
        assertThat(last().cachedTokens()).isEqualTo(last().promptTokens() - 1);
        // Bob's second turn reused only what bob himself had run.
        assertThat(bobsSecond.cachedTokens()).isPositive().isLessThan(bobsSecond.promptTokens());
    }
}
