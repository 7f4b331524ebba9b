package dev.bastion.api.credits;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.JsonFields;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.credits.Accounts;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

import static org.assertj.core.api.Assertions.assertThat;

/** Credits through the real server, API keys on, on each database the security layer runs on. */
abstract class CreditsApiContract {

    @TempDir
    Path home;
    @TempDir
    Path source;

    SecurityServices security;
    Credits credits;
    BastionServer server;
    String aliceKey;
    String adminKey;
    long aliceId;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    protected abstract Map<String, String> environment() throws Exception;

    @BeforeEach
    void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), "alice");
        security = SecurityServices.open(home, environment());
        aliceId = security.users().create("alice", Role.USER).id();
        security.users().create("root", Role.ADMIN);
        aliceKey = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "k").secret();
        adminKey = security.keys().create("root", Set.of(Scope.ADMIN, Scope.MODELS_USE), null, "k").secret();
        credits = new Credits(security.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC());
        credits.prices().set(new Price(Prices.DEFAULT, 1000, 2000, 0), "root"); // 1 per prompt token, 2 per generated
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        // The race below sends 1,100 requests in seconds: far more than the default rate limit lets through.
        SecurityConfig config = SecurityConfig.defaults().withBind(bind.host(), bind.port())
                .withRateLimits(new RateLimits(100_000, 100_000, 100_000, Duration.ofMinutes(1)));
        SecurityFilterChain chain = new SecurityFilterChain(config, security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(bind).withModule(new CreditsRoutes(credits, security))),
                new StoreCatalog(store), LocalModelRuntime::load, new CreditsMetering(credits, security.audit())).start();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (credits != null) credits.close();
        if (security != null) security.database().close();
    }

    HttpResponse<String> post(String path, String key, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path, String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonFields.MAPPER.readTree(r.body());
    }

    HttpResponse<String> grant(long amount, String key) throws Exception {
        return post("/api/credits/grant", adminKey, "{\"user\":\"alice\",\"amount\":" + amount + "}", "Idempotency-Key", key);
    }

    static String chat(int numPredict, boolean stream) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"options\":{\"num_predict\":" + numPredict + ",\"num_ctx\":64},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void withoutCreditsAGenerationIsRefusedBeforeAnyWorkInEachApisShape() throws Exception {
        HttpResponse<String> ollama = post("/api/chat", aliceKey, chat(2, false));
        assertThat(ollama.statusCode()).isEqualTo(402);
        assertThat(JsonFields.MAPPER.readTree(ollama.body()).get("error").asText()).contains("insufficient credits");

        HttpResponse<String> openAi = post("/v1/chat/completions", aliceKey,
                "{\"model\":\"tiny\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(openAi.statusCode()).isEqualTo(402);
        JsonNode error = JsonFields.MAPPER.readTree(openAi.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("insufficient_quota");
        assertThat(error.get("code").asText()).isEqualTo("insufficient_quota");

        assertThat(server.scheduler().loaded()).isEmpty();
        assertThat(Files.readString(security.audit().file())).contains("credits.refuse");
        assertThat(credits.ledger().verify().transactions()).isZero();
    }

    @Test
    void aGrantIsAppliedOnceAndAGenerationIsChargedExactlyItsTokens() throws Exception {
        assertThat(grant(1000, "g-1").statusCode()).isEqualTo(201);
        assertThat(grant(1000, "g-1").statusCode()).isEqualTo(200);
        assertThat(post("/api/credits/grant", adminKey, "{\"user\":\"alice\",\"amount\":5}").statusCode()).isEqualTo(400);
        assertThat(post("/api/credits/grant", aliceKey, "{\"user\":\"alice\",\"amount\":5}", "Idempotency-Key", "x").statusCode())
                .isEqualTo(403);
        assertThat(get("/api/credits", aliceKey).get("balance").asLong()).isEqualTo(1000);

        HttpResponse<String> reply = post("/api/chat", aliceKey, chat(3, false));
        assertThat(reply.statusCode()).isEqualTo(200);
        JsonNode done = JsonFields.MAPPER.readTree(reply.body());
        long expected = done.get("prompt_eval_count").asLong() + 2 * done.get("eval_count").asLong();
        assertThat(reply.headers().firstValue("X-Bastion-Credits-Charged")).hasValue(Long.toString(expected));
        assertThat(done.get("credits_charged").asLong()).isEqualTo(expected);
        JsonNode mine = get("/api/credits", aliceKey);
        assertThat(mine.get("balance").asLong()).isEqualTo(1000 - expected);
        assertThat(mine.get("reserved").asLong()).isZero();

        HttpResponse<String> streamed = post("/api/chat", aliceKey, chat(3, true));
        String[] lines = streamed.body().strip().split("\n");
        JsonNode last = JsonFields.MAPPER.readTree(lines[lines.length - 1]);
        assertThat(last.get("done").asBoolean()).isTrue();
        long streamedCharge = last.get("credits_charged").asLong();
        assertThat(streamedCharge).isEqualTo(last.get("prompt_eval_count").asLong() + 2 * last.get("eval_count").asLong());

        grant(10_000, "g-2"); // OpenAI requests have no num_ctx: they reserve for the model's whole context (4,096 here)
        HttpResponse<String> openAi = post("/v1/chat/completions", aliceKey, "{\"model\":\"tiny\",\"max_tokens\":2,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        String usageChunk = openAi.body().lines().filter(l -> l.contains("\"usage\":{")).findFirst()
                .orElseThrow(() -> new AssertionError(openAi.body()));
        JsonNode usage = JsonFields.MAPPER.readTree(usageChunk.substring("data: ".length())).get("usage");
        long openAiCharge = usage.get("credits_charged").asLong();
        assertThat(openAiCharge).isEqualTo(usage.get("prompt_tokens").asLong() + 2 * usage.get("completion_tokens").asLong());

        assertThat(get("/api/credits", aliceKey).get("balance").asLong()).isEqualTo(11_000 - expected - streamedCharge - openAiCharge);
        assertThat(credits.ledger().verify().problems()).isEmpty();
        JsonNode usageReport = get("/api/usage?group_by=model,day", aliceKey);
        assertThat(usageReport).hasSize(1);
        assertThat(usageReport.get(0).get("model").asText()).isEqualTo("tiny:latest");
        assertThat(usageReport.get(0).get("requests").asLong()).isEqualTo(3);
        assertThat(usageReport.get(0).get("credits").asLong()).isEqualTo(expected + streamedCharge + openAiCharge);
    }

    @Test
    void adminsAreFreeAndEmbeddingsAreCharged() throws Exception {
        HttpResponse<String> admin = post("/api/chat", adminKey, chat(2, false));
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.headers().firstValue("X-Bastion-Credits-Charged")).isEmpty();

        grant(100, "g");
        HttpResponse<String> embed = post("/api/embed", aliceKey, "{\"model\":\"tiny\",\"input\":[\"a b c\"]}");
        assertThat(embed.statusCode()).isEqualTo(200);
        long tokens = JsonFields.MAPPER.readTree(embed.body()).get("prompt_eval_count").asLong();
        assertThat(embed.headers().firstValue("X-Bastion-Credits-Charged")).hasValue(Long.toString(tokens));
        assertThat(credits.ledger().balanceOfUser(aliceId)).isEqualTo(100 - tokens);
    }

    /**
     * The acceptance race over HTTP: 1,000 generation requests from 32 clients and 100 grants at once, against one
     * user. No balance below zero is ever observed; every 402 came when the balance could not cover a request; the
     * final balance is the grants minus the sum of what the responses say they were charged, exactly.
     */
    @Test
    void concurrentGenerationsAndGrantsAreExact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        AtomicLong charged = new AtomicLong();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        LongAccumulator lowest = new LongAccumulator(Math::min, Long.MAX_VALUE);
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (running.get()) lowest.accumulate(credits.ledger().balance(Accounts.user(aliceId)));
        });
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < 1100; i++) {
                if (i % 11 == 0) { // grants interleaved with the requests, so both race all along
                    String key = "grant-" + i;
                    work.add(pool.submit(() -> {
                        go.await();
                        int status = grant(50, key).statusCode();
                        if (status != 201) unexpected.add("grant " + status);
                        return null;
                    }));
                    continue;
                }
                work.add(pool.submit(() -> {
                    go.await();
                    HttpResponse<String> r = post("/api/chat", aliceKey, chat(1, false));
                    if (r.statusCode() == 200) {
                        ok.incrementAndGet();
                        charged.addAndGet(Long.parseLong(r.headers().firstValue("X-Bastion-Credits-Charged").orElseThrow()));
                    } else if (r.statusCode() == 402) {
                        refused.incrementAndGet();
                    } else {
                        unexpected.add(r.statusCode() + " " + r.body());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : work) f.get();
        } finally {
            running.set(false);
            watcher.join();
            pool.shutdownNow();
        }
        assertThat(unexpected).isEmpty();
        assertThat(ok.get() + refused.get()).isEqualTo(1000);
        assertThat(lowest.get()).isGreaterThanOrEqualTo(0);
        assertThat(credits.ledger().balanceOfUser(aliceId)).isEqualTo(100 * 50 - charged.get());
        assertThat(credits.ledger().openReservations(null)).isEmpty();
        assertThat(credits.ledger().verify().problems()).isEmpty();
        // A request costs its prompt (a dozen tokens) plus 2 for its one generated token, and reserves 65 (num_ctx 64,
        // the generated token dearer): 5,000 granted pays for some of the 1,000 requests, never for all.
        assertThat(refused.get()).isPositive();
        assertThat(ok.get()).isPositive();
    }
    /** A server whose node has an owner: the owner earns what alice is charged, less the fee, and sees it as earned. */
    @Test
    void theNodesOwnerEarnsTheChargeLessTheFeeAndSeesItInTheirHistory() throws Exception {
        long carolId = security.users().create("carol", Role.USER).id();
        String carolKey = security.keys().create("carol", Set.of(Scope.MODELS_USE), null, "k").secret();
        grant(1_000, "owner-test");
        credits.ledger().setNetworkFee(new dev.bastion.credits.NetworkFee(1_250), "root");
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        try (Credits owned = new Credits(security.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC(), "node-c", carolId);
             BastionServer node = new BastionServer(chain.secure(ServerConfig.defaults(bind).withModule(new CreditsRoutes(owned, security))),
                     new StoreCatalog(new ModelStore(home)), LocalModelRuntime::load, new CreditsMetering(owned, security.audit())).start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/chat"))
                    .header("Authorization", "Bearer " + aliceKey).POST(HttpRequest.BodyPublishers.ofString(chat(3, false)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            long charged = Long.parseLong(r.headers().firstValue("X-Bastion-Credits-Charged").orElseThrow());
            assertThat(charged).isPositive();
            long fee = charged * 1_250 / 10_000;

            HttpResponse<String> mine = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/credits"))
                    .header("Authorization", "Bearer " + carolKey).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode carol = JsonFields.MAPPER.readTree(mine.body());
            assertThat(carol.get("balance").asLong()).isEqualTo(charged - fee);
            JsonNode earned = carol.get("entries").get(0);
            assertThat(earned.get("kind").asText()).isEqualTo("earned");
            assertThat(earned.get("amount").asLong()).isEqualTo(charged - fee);
            assertThat(earned.get("node").asText()).isEqualTo("node-c");
            assertThat(earned.get("actor").asText()).isEqualTo("alice");
            assertThat(get("/api/credits", aliceKey).get("entries").findValuesAsText("kind")).doesNotContain("earned");
            assertThat(owned.ledger().balance(Accounts.NETWORK)).isEqualTo(fee);
            assertThat(owned.ledger().verify().problems()).isEmpty();
        }
    }
}
