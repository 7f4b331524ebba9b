package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ollama's generation behaviours over the fake model (which answers with the prompt's words reversed): images,
 * thinking, fill-in-the-middle and chat history truncation, on both APIs.
 */
class GenerationCompatTest extends FakeServerTest {

    /** The reply opens its reasoning in the prompt, as Qwen3 templates forced to think do. */
    private static final String THINKING_TEMPLATE = "{{ .Prompt }}{{ if .Think }} <think>{{ end }}";
    /** Ollama's codellama:code template. */
    private static final String CODELLAMA_TEMPLATE = "{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{- else }}{{ .Prompt }}{{- end }}";
    /** Reversed by the fake: "reason </think> answer". */
    private static final String THOUGHTFUL = "answer </think> reason";

    @BeforeEach
    void up() {
        start(0, 1, 1 << 20);
        catalog.add("thinker", 64, Map.of()).template("thinker", THINKING_TEMPLATE);
        catalog.add("fim-coder", 64, Map.of());
        catalog.add("codellama", 64, Map.of());
        catalog.add("go-fim", 64, Map.of()).template("go-fim", CODELLAMA_TEMPLATE);
    }

    private String lastPrompt(String runtime) {
        return runtimes.get(runtime).prompts.getLast();
    }

    @Test
    void emptyAndNullImagesAreNoImagesAndOthersGetOllamasError() throws Exception {
        for (String images : List.of("[]", "null")) {
            assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"stream\":false,\"images\":" + images + "}").status())
                    .isEqualTo(200);
            assertThat(http.post("/api/chat", "{\"model\":\"tiny\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"images\":"
                    + images + "}]}").status()).isEqualTo(200);
        }
        var generate = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"images\":[\"iVBORw0KGgo=\"]}");
        assertThat(generate.status()).isEqualTo(400);
        assertThat(generate.json().get("error").asText()).isEqualTo("this model is missing data required for image input");
        var chat = http.post("/api/chat", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"images\":[\"x\"]}]}");
        assertThat(chat.status()).isEqualTo(400);
        assertThat(chat.json().get("error").asText()).isEqualTo("this model is missing data required for image input");
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"images\":\"x\"}").status()).isEqualTo(400);
    }

    @Test
    void aThinkingModelsReasoningGoesToThinkingNotContent() throws Exception {
        JsonNode chat = http.post("/api/chat", "{\"model\":\"thinker\",\"stream\":false,\"options\":{\"num_predict\":3},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + THOUGHTFUL + "\"}]}").json();
        assertThat(lastPrompt("thinker")).as("think defaults to on for a thinking model").endsWith(" <think>");
        assertThat(chat.get("message").get("thinking").asText()).isEqualTo("reason ");
        assertThat(chat.get("message").get("content").asText()).isEqualTo("answer");

        JsonNode generate = http.post("/api/generate", "{\"model\":\"thinker\",\"stream\":false,\"think\":\"high\","
                + "\"prompt\":\"" + THOUGHTFUL + "\",\"options\":{\"num_predict\":3}}").json();
        assertThat(generate.get("thinking").asText()).isEqualTo("reason ");
        assertThat(generate.get("response").asText()).isEqualTo("answer");

        List<JsonNode> lines = http.post("/api/chat", "{\"model\":\"thinker\",\"think\":true,\"options\":{\"num_predict\":3},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + THOUGHTFUL + "\"}]}").ndjson();
        StringBuilder thinking = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (JsonNode line : lines) {
            thinking.append(line.get("message").path("thinking").asText(""));
            content.append(line.get("message").get("content").asText());
        }
        assertThat(thinking.toString()).isEqualTo("reason ");
        assertThat(content.toString()).isEqualTo("answer");
        assertThat(lines.getLast().get("done").asBoolean()).isTrue();

        JsonNode off = http.post("/api/chat", "{\"model\":\"thinker\",\"stream\":false,\"think\":false,\"options\":{\"num_predict\":3},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + THOUGHTFUL + "\"}]}").json();
        assertThat(lastPrompt("thinker")).doesNotContain("<think>");
        assertThat(off.get("message").has("thinking")).isFalse();
        assertThat(off.get("message").get("content").asText()).isEqualTo("reason </think> answer");
    }

    @Test
    void thinkingOnAModelWithoutItIsOllamasError() throws Exception {
        var r = http.post("/api/chat", "{\"model\":\"tiny\",\"think\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("\"tiny\" does not support thinking");
        var level = http.post("/api/generate", "{\"model\":\"tiny\",\"think\":\"low\",\"prompt\":\"hi\"}");
        assertThat(level.status()).as("streamed, but nothing was sent yet").isEqualTo(400);
        assertThat(level.json().get("error").asText()).isEqualTo("\"tiny\" does not support thinking");
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"think\":false,\"prompt\":\"hi\",\"stream\":false}").status()).isEqualTo(200);
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"think\":\"very\",\"prompt\":\"hi\",\"stream\":false}").status()).isEqualTo(400);
        var openAi = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"reasoning_effort\":\"high\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(openAi.status()).isEqualTo(400);
        assertThat(openAi.json().get("error").get("message").asText()).isEqualTo("\"tiny\" does not support thinking");
    }

    @Test
    void openAiRoutesCarryTheReasoning() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"" + THOUGHTFUL + "\"}]";
        JsonNode whole = http.post("/v1/chat/completions", "{\"model\":\"thinker\",\"max_tokens\":3," + messages + "}").json();
        JsonNode message = whole.get("choices").get(0).get("message");
        assertThat(message.get("reasoning").asText()).isEqualTo("reason ");
        assertThat(message.get("reasoning_content").asText()).isEqualTo("reason ");
        assertThat(message.get("content").asText()).isEqualTo("answer");

        String sse = http.post("/v1/chat/completions", "{\"model\":\"thinker\",\"stream\":true,\"max_tokens\":3," + messages + "}").body();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode delta = JsonFields.MAPPER.readTree(line.substring(6)).get("choices").path(0).path("delta");
            reasoning.append(delta.path("reasoning").asText(""));
            content.append(delta.path("content").asText(""));
        }
        assertThat(reasoning.toString()).isEqualTo("reason ");
        assertThat(content.toString()).isEqualTo("answer");

        JsonNode none = http.post("/v1/chat/completions", "{\"model\":\"thinker\",\"reasoning_effort\":\"none\",\"max_tokens\":3," + messages + "}").json();
        assertThat(none.get("choices").get(0).get("message").has("reasoning")).isFalse();
        assertThat(lastPrompt("thinker")).doesNotContain("<think>");
        JsonNode effort = http.post("/v1/chat/completions", "{\"model\":\"thinker\",\"reasoning\":{\"effort\":\"minimal\"},\"max_tokens\":3," + messages + "}").json();
        assertThat(effort.get("choices").get(0).get("message").get("reasoning").asText()).isEqualTo("reason ");
        assertThat(http.post("/v1/chat/completions", "{\"model\":\"thinker\",\"reasoning_effort\":\"lots\"," + messages + "}").status()).isEqualTo(400);
    }

    @Test
    void suffixFillsInTheMiddleWithTheTokenizersOrTheTemplatesFimFormat() throws Exception {
        String body = "\"prompt\":\"def f(\",\"suffix\":\"return 1\",\"stream\":false,\"options\":{\"num_predict\":1}}";
        assertThat(http.post("/api/generate", "{\"model\":\"fim-coder\"," + body).status()).isEqualTo(200);
        assertThat(lastPrompt("fim-coder")).isEqualTo("<|fim_prefix|>def f(<|fim_suffix|>return 1<|fim_middle|>");
        assertThat(http.post("/api/generate", "{\"model\":\"codellama\"," + body).status()).isEqualTo(200);
        assertThat(lastPrompt("codellama")).isEqualTo("<PRE> def f( <SUF>return 1 <MID>");
        assertThat(http.post("/api/generate", "{\"model\":\"go-fim\"," + body).status()).isEqualTo(200);
        assertThat(lastPrompt("go-fim")).isEqualTo("<PRE> def f( <SUF>return 1 <MID>");

        var refused = http.post("/api/generate", "{\"model\":\"tiny\"," + body);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("error").asText()).isEqualTo("tiny does not support insert");

        var completion = http.post("/v1/completions", "{\"model\":\"fim-coder\",\"prompt\":\"a\",\"suffix\":\"b\",\"max_tokens\":1}");
        assertThat(completion.status()).as(completion.body()).isEqualTo(200);
        assertThat(lastPrompt("fim-coder")).isEqualTo("<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>");
    }

    @Test
    void hostileValuesOfTheNewFieldsAreClientErrorsThatLeakNothing() throws Exception {
        for (String field : List.of("\"context\":[\"a\"]", "\"context\":{\"x\":1}", "\"context\":[1e30]",
                "\"think\":{\"on\":true}", "\"think\":[true]", "\"top_logprobs\":-1,\"logprobs\":true", "\"top_logprobs\":1000000",
                "\"logprobs\":\"yes\"", "\"suffix\":7", "\"truncate\":\"no\"", "\"images\":{\"a\":1}", "\"options\":{\"typical_p\":-1}",
                "\"options\":{\"presence_penalty\":1e9}", "\"options\":{\"num_keep\":-7}")) {
            var r = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"stream\":false," + field + "}");
            assertThat(r.status()).as(field).isEqualTo(400);
            assertThat(r.json().get("error").asText()).as(field).doesNotContain("/").doesNotContain("Exception");
        }
        for (String field : List.of("\"dimensions\":\"4\"", "\"dimensions\":-3", "\"truncate\":1")) {
            assertThat(http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"x\"," + field + "}").status()).as(field).isEqualTo(400);
        }
        for (String field : List.of("\"reasoning_effort\":5", "\"reasoning\":\"high\"", "\"top_logprobs\":21,\"logprobs\":true",
                "\"logprobs\":3", "\"frequency_penalty\":\"x\"")) {
            var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + field + "}");
            assertThat(r.status()).as(field).isIn(200, 400);
            if (r.status() == 400) assertThat(r.json().get("error").get("message").asText()).doesNotContain("/");
        }
        assertThat(http.post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"logprobs\":-1}").status()).isEqualTo(400);
    }

    @Test
    void rawModeRefusesTemplateSystemAndContextAsOllamaDoes() throws Exception {
        var r = http.post("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"prompt\":\"x\",\"context\":[1,2]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("raw mode does not support template, system, or context");
    }

    @Test
    void aChatHistoryOverTheContextLosesItsOldestTurnsButKeepsTheSystemPrompt() throws Exception {
        String messages = """
                "messages":[{"role":"system","content":"sys"},{"role":"user","content":"one two three four five"},
                {"role":"assistant","content":"six seven eight nine ten"},{"role":"user","content":"last question here"}]""";
        var r = http.post("/api/chat", "{\"model\":\"tiny\",\"stream\":false,\"options\":{\"num_ctx\":8,\"num_predict\":1}," + messages + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(lastPrompt("tiny")).isEqualTo("<system>sys\n<user>last question here\n<assistant>");

        http.post("/api/chat", "{\"model\":\"tiny\",\"stream\":false,\"options\":{\"num_ctx\":12,\"num_predict\":1}," + messages + "}");
        assertThat(lastPrompt("tiny")).as("dropping the first turn is enough")
                .isEqualTo("<system>sys\n<assistant>six seven eight nine ten\n<user>last question here\n<assistant>");

        http.post("/api/chat", "{\"model\":\"tiny\",\"stream\":false,\"truncate\":false,\"options\":{\"num_ctx\":8,\"num_predict\":1}," + messages + "}");
        assertThat(lastPrompt("tiny")).as("truncate false keeps every turn").contains("one two three four five");
    }
}
