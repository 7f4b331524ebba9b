package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiApiTest extends FakeServerTest {

    @BeforeEach
    void up() {
        start(0, 1, 4096);
    }

    private static List<JsonNode> sse(TestHttp.Response r) throws Exception {
        assertThat(r.contentType()).startsWith("text/event-stream");
        List<JsonNode> chunks = new ArrayList<>();
        List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        for (String d : data.subList(0, data.size() - 1)) chunks.add(JsonFields.MAPPER.readTree(d));
        return chunks;
    }

    @Test
    void chatCompletionWithUsage() throws Exception {
        JsonNode j = http.post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"developer","content":"d"},{"role":"user","content":[{"type":"text","text":"x y"}]}],
                 "max_tokens":2,"temperature":0,"seed":3}""").json();
        assertThat(j.get("object").asText()).isEqualTo("chat.completion");
        assertThat(j.get("id").asText()).startsWith("chatcmpl-");
        assertThat(j.get("choices").get(0).get("message").get("content").asText()).isEqualTo("y x");
        assertThat(j.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(j.get("usage").get("completion_tokens").asInt()).isEqualTo(2);
        assertThat(j.get("usage").get("total_tokens").asInt())
                .isEqualTo(j.get("usage").get("prompt_tokens").asInt() + 2);
        assertThat(runtimes.get("tiny").prompts.getFirst()).startsWith("<system>d\n<user>x y");
    }

    @Test
    void chatCompletionStreamsChunksThenUsageThenDone() throws Exception {
        List<JsonNode> chunks = sse(http.post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"a b c"}],"max_tokens":3,"stream":true,
                 "stream_options":{"include_usage":true}}"""));
        assertThat(chunks).hasSize(5);
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
        StringBuilder text = new StringBuilder();
        chunks.subList(0, 3).forEach(c -> text.append(c.get("choices").get(0).get("delta").get("content").asText()));
        assertThat(text).hasToString("c b a");
        assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        assertThat(chunks.subList(1, 4)).allSatisfy(c -> assertThat(c.get("choices").get(0).get("delta").has("role")).isFalse());
        assertThat(chunks.get(3).get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(chunks.get(4).get("choices")).isEmpty();
        assertThat(chunks.get(4).get("usage").get("completion_tokens").asInt()).isEqualTo(3);
        assertThat(chunks.stream().map(c -> c.get("id").asText()).distinct()).hasSize(1);
    }

    @Test
    void aFailureMidStreamSendsAnErrorEventThenDone() throws Exception {
        http.post("/api/generate", "{\"model\":\"tiny\"}");
        runtimes.get("tiny").failAfter = 1;
        var r = http.post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"p q\",\"stream\":true}");
        List<JsonNode> chunks = sse(r);
        assertThat(chunks).hasSize(2);
        assertThat(chunks.getLast().get("error").get("message").asText()).isEqualTo("internal server error");
        assertThat(r.body()).doesNotContain("secret");
    }

    @Test
    void completionsBothWays() throws Exception {
        JsonNode j = http.post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"p q\",\"max_tokens\":2,\"stop\":[\"zz\"]}").json();
        assertThat(j.get("object").asText()).isEqualTo("text_completion");
        assertThat(j.get("choices").get(0).get("text").asText()).isEqualTo("q p");
        assertThat(runtimes.get("tiny").prompts.getFirst()).isEqualTo("p q");
        List<JsonNode> chunks = sse(http.post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"p q\",\"max_tokens\":2,\"stream\":true}"));
        assertThat(chunks).hasSize(3);
        assertThat(chunks.get(0).get("choices").get(0).get("text").asText()).isEqualTo("q");
    }

    @Test
    void responseFormatLeavesThePromptAloneAndRefusesInvalidSchemas() throws Exception {
        var ok = http.post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"{}"}],"max_tokens":1,"response_format":{"type":"json_object"}}""");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(runtimes.get("tiny").prompts.getFirst()).isEqualTo("<user>{}\n<assistant>");
        var schema = http.post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"system","content":"s"},{"role":"user","content":"[1]"}],"max_tokens":1,
                 "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"array"}}}}""");
        assertThat(schema.status()).isEqualTo(200);
        assertThat(runtimes.get("tiny").prompts.get(1)).isEqualTo("<system>s\n<user>[1]\n<assistant>");
        var invalid = http.post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"x"}],
                 "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"tuple"}}}}""");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().get("error").get("message").asText()).contains("'tuple' is not a JSON schema type");
        var completions = http.post("/v1/completions", """
                {"model":"tiny","prompt":"x","response_format":{"type":"json_schema","json_schema":{"schema":{"$ref":"#/$defs/nope"}}}}""");
        assertThat(completions.status()).isEqualTo(400);
        var unknown = http.post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}}""");
        assertThat(unknown.status()).isEqualTo(400);
    }

    @Test
    void modelsAndEmbeddings() throws Exception {
        JsonNode models = http.get("/v1/models").json();
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.get("data")).extracting(m -> m.get("id").asText()).containsExactlyInAnyOrder("tiny", "tiny:chat");
        assertThat(http.get("/v1/models/tiny:chat").json().get("id").asText()).isEqualTo("tiny:chat");
        assertThat(http.get("/v1/models/nope").status()).isEqualTo(404);

        JsonNode e = http.post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[\"a\",\"b\"]}").json();
        assertThat(e.get("data")).hasSize(2);
        assertThat(e.get("data").get(1).get("index").asInt()).isEqualTo(1);
        assertThat(e.get("data").get(0).get("embedding")).hasSize(4);
    }

    @Test
    void errorsUseOpenAiShape() throws Exception {
        var r = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":3}");
        assertThat(r.status()).isEqualTo(400);
        JsonNode err = r.json().get("error");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.get("param").asText()).isEqualTo("n");
        assertThat(err.get("message").asText()).contains("'n' = 3");
        assertThat(err.has("code")).isTrue();

        var hot = http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}");
        assertThat(hot.json().get("error").get("message").asText()).isEqualTo("'temperature' must be a number, got a string");
        var unknown = http.post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").get("code").asText()).isEqualTo("model_not_found");
        assertThat(http.post("/v1/chat/completions", "{\"messages\":[]}").json().get("error").get("param").asText()).isEqualTo("model");
        assertThat(http.post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[1,2]}").status()).isEqualTo(400);
        var noRoute = http.get("/v1/nope");
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.json().get("error").get("code").isNull()).isTrue();
        assertThat(http.post("/v1/completions", "not json").json().get("error").get("message").asText()).contains("not valid JSON");
    }
}
