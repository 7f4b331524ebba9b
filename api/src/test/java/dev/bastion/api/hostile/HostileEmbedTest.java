package dev.bastion.api.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.DelegatingRuntime;
import dev.bastion.api.BindAddress;
import dev.bastion.api.EmbedLimits;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
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
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7 item 5: a few kilobytes of short embedding inputs asked for megabytes of vectors. The number of inputs and
 * their total tokens are capped on all three embedding endpoints, and nothing is embedded before the caps are checked.
 */
class HostileEmbedTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EmbedLimits LIMITS = new EmbedLimits(4, 40);

    @TempDir
    Path home;
    @TempDir
    Path source;

    private final AtomicInteger embedded = new AtomicInteger();
    private final HttpClient client = HttpClient.newHttpClient();
    private BastionServer server;

    @BeforeEach
    void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(TinyModelFixture.tinyModel(source.resolve("m"), Architecture.LLAMA), ModelName.parse("tiny"), null);
        ServerConfig defaults = ServerConfig.defaults(new BindAddress("127.0.0.1", 0));
        ServerConfig config = defaults.withScheduler(defaults.scheduler().withEmbedLimits(LIMITS));
        server = new BastionServer(config, new StoreCatalog(store),
                (dir, format) -> new CountingEmbeds(LocalModelRuntime.load(dir, format), embedded)).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String path, Object body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        JsonNode e = JSON.readTree(r.body()).get("error");
        return e.isTextual() ? e.asText() : e.get("message").asText();
    }

    @Test
    void tooManyInputsAreRejectedBeforeAnyIsEmbedded() throws Exception {
        List<String> five = Collections.nCopies(5, "a");
        for (String path : List.of("/api/embed", "/v1/embeddings")) {
            HttpResponse<String> r = post(path, java.util.Map.of("model", "tiny", "input", five));
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(error(r)).as(path).isEqualTo("'input' has 5 items, more than the limit of 4");
        }
        assertThat(embedded).hasValue(0);
    }

    @Test
    void tooManyTokensInTotalAreRejectedBeforeAnyIsEmbedded() throws Exception {
        String fifteenWords = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen";
        List<String> three = List.of(fifteenWords, fifteenWords, fifteenWords);
        for (String path : List.of("/api/embed", "/v1/embeddings")) {
            HttpResponse<String> r = post(path, java.util.Map.of("model", "tiny", "input", three));
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(error(r)).as(path).startsWith("'input' has ").endsWith(" tokens in total, more than the limit of 40");
        }
        String long_ = (fifteenWords + " ").repeat(3);
        HttpResponse<String> legacy = post("/api/embeddings", java.util.Map.of("model", "tiny", "prompt", long_));
        assertThat(legacy.statusCode()).isEqualTo(400);
        assertThat(error(legacy)).endsWith("more than the limit of 40");
        assertThat(embedded).hasValue(0);
    }

    @Test
    void requestsWithinTheCapsStillWork() throws Exception {
        HttpResponse<String> r = post("/api/embed", java.util.Map.of("model", "tiny", "input", List.of("a", "b", "c", "d")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("embeddings")).hasSize(4);
        HttpResponse<String> openAi = post("/v1/embeddings", java.util.Map.of("model", "tiny", "input", "hello"));
        assertThat(openAi.statusCode()).as(openAi.body()).isEqualTo(200);
        assertThat(embedded).hasValue(5);
    }

    @Test
    void theDefaultsStopTheReportedAmplification() throws Exception {
        server.close();
        ModelStore store = new ModelStore(home);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                (dir, format) -> new CountingEmbeds(LocalModelRuntime.load(dir, format), embedded)).start();
        List<String> nineKilobytes = Collections.nCopies(2_300, "a"); // ~9 KB of JSON
        HttpResponse<String> r = post("/api/embed", java.util.Map.of("model", "tiny", "input", nineKilobytes));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).isEqualTo("'input' has 2300 items, more than the limit of 256");
        assertThat(embedded).hasValue(0);
    }

    /** The real runtime, counting the inputs it embeds. */
    private static final class CountingEmbeds extends DelegatingRuntime {
        private final AtomicInteger embedded;

        CountingEmbeds(ModelRuntime runtime, AtomicInteger embedded) {
            super(runtime);
            this.embedded = embedded;
        }

        @Override
        public float[] embed(String text) {
            embedded.incrementAndGet();
            return runtime.embed(text);
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            embedded.addAndGet(texts.size());
            return runtime.embedAll(texts);
        }

        @Override
        public List<float[]> embedAll(List<String> texts, boolean truncate, boolean normalize) {
            embedded.addAndGet(texts.size());
            return runtime.embedAll(texts, truncate, normalize);
        }
    }
}
