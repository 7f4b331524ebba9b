package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.engine.tokenizer.Tokenizer;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A real trained model (stories260K) imported into the store and served: the API returns its reference story. */
class Stories260KApiTest {

    private static final String PROMPT = "Once upon a time";
    private static final int TOKENS = 40;

    @TempDir
    static Path home;

    private static BastionServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(Stories260K.directory(), ModelName.parse("stories"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** The prompt is the reference's first four tokens, so greedy decoding continues llama2.c's story exactly. */
    @Test
    void generateContinuesTheReferenceStory() throws Exception {
        Stories260K.Reference reference = Stories260K.reference();
        Tokenizer tokenizer = Tokenizer.load(Stories260K.directory().resolve("tokenizer.json"));
        assertThat(tokenizer.encode(PROMPT)).containsExactly(Arrays.copyOf(reference.greedyIds(), 4));
        String expected = tokenizer.decode(Arrays.copyOf(reference.greedyIds(), 4 + TOKENS)).substring(PROMPT.length());

        JsonNode response = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"" + PROMPT + "\",\"raw\":true,"
                + "\"stream\":false,\"options\":{\"temperature\":0,\"repeat_penalty\":1,\"num_predict\":" + TOKENS + "}}"));
        assertThat(response.get("response").asText()).isEqualTo(expected).startsWith(", there was a little girl named Lily.");
        assertThat(response.get("prompt_eval_count").asInt()).as("BOS and the four prompt tokens").isEqualTo(5);
        assertThat(response.get("eval_count").asInt()).isEqualTo(TOKENS);
        assertThat(response.get("done_reason").asText()).isEqualTo("length");
    }

    @Test
    void embedPlacesSimilarSentencesCloserThanUnrelatedText() throws Exception {
        JsonNode embeddings = ok(http.post("/api/embed", "{\"model\":\"stories\",\"input\":"
                + "[\"Lily went to the park.\", \"Lily went to the park to play.\", \"123 456 789 000\"]}")).get("embeddings");
        assertThat(embeddings).hasSize(3);
        assertThat(embeddings.get(0)).hasSize(64);
        assertThat(dot(embeddings.get(0), embeddings.get(0))).isCloseTo(1.0, within(1e-5));
        assertThat(dot(embeddings.get(0), embeddings.get(1))).isGreaterThan(0.95).isGreaterThan(dot(embeddings.get(0), embeddings.get(2)) + 0.2);
    }

    private static double dot(JsonNode a, JsonNode b) {
        double sum = 0;
        for (int i = 0; i < a.size(); i++) sum += a.get(i).asDouble() * b.get(i).asDouble();
        return sum;
    }

    private static JsonNode ok(TestHttp.Response r) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }
}
