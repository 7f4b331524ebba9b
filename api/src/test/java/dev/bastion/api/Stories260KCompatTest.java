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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Generate's context, log probabilities and penalties on a real trained model (stories260K), on both APIs. */
class Stories260KCompatTest {

    /** Greedy, no penalties, the prompt as is through the template. */
    private static final String GREEDY = "\"template\":\"{{ .Prompt }}\",\"stream\":false,\"options\":{\"temperature\":0,\"repeat_penalty\":1,\"num_predict\":";

    @TempDir
    static Path home;

    private static BastionServer server;
    private static TestHttp http;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(Stories260K.directory(), ModelName.parse("stories"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store),
                Runtimes.LOADER).start();
        http = new TestHttp(server.baseUrl());
        tokenizer = Tokenizer.load(Stories260K.directory().resolve("tokenizer.json"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static JsonNode ok(TestHttp.Response r) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    @Test
    void generateReturnsItsContextAndContinuesFromIt() throws Exception {
        JsonNode first = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\"," + GREEDY + "8}}"));
        int[] context = ints(first.get("context"));
        assertThat(context.length).isEqualTo(first.get("prompt_eval_count").asInt() + first.get("eval_count").asInt());
        assertThat(tokenizer.decode(context)).contains("Once upon a time" + first.get("response").asText());

        String again = "{\"model\":\"stories\",\"prompt\":\" Lily\",\"context\":" + first.get("context") + "," + GREEDY + "4}}";
        JsonNode second = ok(http.post("/api/generate", again));
        int[] lily = tokenizer.encode(" Lily");
        assertThat(second.get("prompt_eval_count").asInt()).as("the context, then the new prompt without a second BOS")
                .isEqualTo(context.length + lily.length);
        int[] next = ints(second.get("context"));
        assertThat(java.util.Arrays.copyOf(next, context.length)).containsExactly(context);

        JsonNode raw = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once\",\"raw\":true,\"stream\":false,"
                + "\"options\":{\"num_predict\":2}}"));
        assertThat(raw.has("context")).as("Ollama returns no context for raw prompts").isFalse();
        var bad = http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"x\",\"context\":[1,99999999]," + GREEDY + "2}}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).contains("99999999").doesNotContain("/");
    }

    /** Greedy decoding picks the most likely token: each entry is its own first alternative. */
    private static void assertGreedyLogprobs(JsonNode logprobs, int count, int top) {
        assertThat(logprobs).hasSize(count);
        for (JsonNode lp : logprobs) {
            JsonNode alternatives = lp.get("top_logprobs");
            assertThat(alternatives).hasSize(top);
            assertThat(lp.get("token").asText()).isEqualTo(alternatives.get(0).get("token").asText());
            assertThat(lp.get("logprob").asDouble()).isEqualTo(alternatives.get(0).get("logprob").asDouble()).isLessThanOrEqualTo(0);
            for (int i = 1; i < alternatives.size(); i++) {
                assertThat(alternatives.get(i).get("logprob").asDouble()).isLessThanOrEqualTo(alternatives.get(i - 1).get("logprob").asDouble());
            }
            byte[] utf8 = lp.get("token").asText().getBytes(StandardCharsets.UTF_8);
            assertThat(lp.get("bytes")).hasSize(utf8.length);
        }
    }

    @Test
    void logprobsOnGenerateAndChatStreamedAndNot() throws Exception {
        JsonNode whole = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"logprobs\":true,"
                + "\"top_logprobs\":3," + GREEDY + "6}}"));
        assertGreedyLogprobs(whole.get("logprobs"), whole.get("eval_count").asInt(), 3);

        List<JsonNode> lines = http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"logprobs\":true,"
                + GREEDY.replace("\"stream\":false,", "") + "6}}").ndjson();
        int streamed = 0;
        for (JsonNode line : lines) {
            for (JsonNode lp : line.path("logprobs")) {
                assertThat(lp.has("top_logprobs")).as("none asked for").isFalse();
                streamed++;
            }
        }
        assertThat(streamed).isEqualTo(lines.getLast().get("eval_count").asInt());

        JsonNode chat = ok(http.post("/api/chat", "{\"model\":\"stories\",\"logprobs\":true,\"top_logprobs\":2,\"stream\":false,"
                + "\"options\":{\"temperature\":0,\"repeat_penalty\":1,\"num_predict\":5},\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}"));
        assertGreedyLogprobs(chat.get("logprobs"), chat.get("eval_count").asInt(), 2);
        JsonNode none = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once\"," + GREEDY + "3}}"));
        assertThat(none.has("logprobs")).isFalse();
        assertThat(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once\",\"logprobs\":true,\"top_logprobs\":21}").status())
                .isEqualTo(400);
    }

    @Test
    void logprobsOnTheOpenAiRoutes() throws Exception {
        JsonNode chat = ok(http.post("/v1/chat/completions", "{\"model\":\"stories\",\"temperature\":0,\"max_tokens\":5,\"logprobs\":true,"
                + "\"top_logprobs\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}"));
        JsonNode content = chat.get("choices").get(0).get("logprobs").get("content");
        assertThat(content).hasSize(chat.get("usage").get("completion_tokens").asInt());
        assertThat(content.get(0).get("top_logprobs")).hasSize(2);

        String sse = http.post("/v1/chat/completions", "{\"model\":\"stories\",\"temperature\":0,\"max_tokens\":5,\"logprobs\":true,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}").body();
        int entries = 0;
        int completionTokens = -1;
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode chunk = JsonFields.MAPPER.readTree(line.substring(6));
            for (JsonNode lp : chunk.get("choices").path(0).path("logprobs").path("content")) {
                assertThat(lp.get("top_logprobs").isArray()).as("OpenAI always sends the array").isTrue();
                entries++;
            }
            if (chunk.hasNonNull("usage")) completionTokens = chunk.get("usage").get("completion_tokens").asInt();
        }
        assertThat(entries).isEqualTo(completionTokens).isPositive();

        JsonNode completion = ok(http.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"temperature\":0,"
                + "\"max_tokens\":4,\"logprobs\":2}"));
        JsonNode lp = completion.get("choices").get(0).get("logprobs");
        assertThat(lp.get("tokens")).hasSize(completion.get("usage").get("completion_tokens").asInt());
        assertThat(lp.get("token_logprobs")).hasSize(lp.get("tokens").size());
        assertThat(lp.get("top_logprobs").get(0).size()).isBetween(1, 2);
        assertThat(lp.get("text_offset").get(0).asInt()).isZero();
        String streamed = http.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"temperature\":0,"
                + "\"max_tokens\":4,\"logprobs\":1,\"stream\":true}").body();
        List<String> tokens = new java.util.ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (String line : streamed.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode choice = JsonFields.MAPPER.readTree(line.substring(6)).get("choices").path(0);
            JsonNode pieceLogprobs = choice.path("logprobs");
            for (int i = 0; i < pieceLogprobs.path("tokens").size(); i++) {
                tokens.add(pieceLogprobs.get("tokens").get(i).asText());
                assertThat(pieceLogprobs.get("text_offset").get(i).asInt()).as("offsets count the text before").isLessThanOrEqualTo(text.length());
            }
            text.append(choice.path("text").asText(""));
        }
        assertThat(tokens).hasSize(lp.get("tokens").size());
        JsonNode plain = ok(http.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Once\",\"max_tokens\":2}"));
        assertThat(plain.get("choices").get(0).get("logprobs").isNull()).isTrue();
    }

    /** Greedy decoding of stories260K repeats tokens; a large frequency penalty forbids every token already seen. */
    @Test
    void frequencyAndPresencePenaltiesAreHonouredOnBothApis() throws Exception {
        JsonNode plain = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\"," + GREEDY + "40}}"));
        assertThat(repeats(plain)).as("without a penalty the story repeats tokens").isTrue();
        for (String penalty : List.of("frequency_penalty", "presence_penalty")) {
            JsonNode penalized = ok(http.post("/api/generate", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\","
                    + GREEDY + "40,\"repeat_last_n\":-1,\"" + penalty + "\":100}}"));
            assertThat(repeats(penalized)).as(penalty).isFalse();
        }
        JsonNode openAi = ok(http.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"temperature\":0,"
                + "\"max_tokens\":40,\"frequency_penalty\":2}"));
        JsonNode openAiPlain = ok(http.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"temperature\":0,"
                + "\"max_tokens\":40}"));
        assertThat(openAi.get("choices").get(0).get("text").asText()).isNotEqualTo(openAiPlain.get("choices").get(0).get("text").asText());
        assertThat(http.post("/v1/completions", "{\"model\":\"stories\",\"prompt\":\"x\",\"presence_penalty\":3}").status()).isEqualTo(400);
    }

    /** Whether a generated token repeats one of the prompt or the reply. */
    private static boolean repeats(JsonNode reply) {
        int[] context = ints(reply.get("context"));
        Set<Integer> seen = new HashSet<>();
        int promptTokens = reply.get("prompt_eval_count").asInt();
        for (int i = 0; i < context.length; i++) {
            if (!seen.add(context[i]) && i >= promptTokens) return true;
        }
        return false;
    }
}
