package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OllamaApiTest extends FakeServerTest {

    @BeforeEach
    void up() {
        start(0, 1, 4096);
    }

    @Test
    void rootVersionAndHead() throws Exception {
        assertThat(http.get("/").body()).isEqualTo("Bastion is running");
        assertThat(http.head("/").status()).isEqualTo(200);
        assertThat(http.get("/api/version").json().get("bastion_version").asText()).isEqualTo("0.1.0");
    }

    @Test
    void explicitNullsCountAsAbsentFields() throws Exception {
        var generate = http.post("/api/generate", """
                {"model":"tiny","prompt":"hi","stream":false,"format":null,"images":null,"options":null,"keep_alive":null,
                 "system":null,"template":null,"raw":null}""");
        assertThat(generate.status()).as(generate.body()).isEqualTo(200);
        var chat = http.post("/api/chat", """
                {"model":"tiny","stream":false,"format":null,"messages":[{"role":"user","content":"hi","images":null}]}""");
        assertThat(chat.status()).as(chat.body()).isEqualTo(200);
        var openAi = http.post("/v1/chat/completions", """
                {"model":"tiny","response_format":null,"stop":null,"stream_options":null,"messages":[{"role":"user","content":null}]}""");
        assertThat(openAi.status()).as(openAi.body()).isEqualTo(200);
        assertThat(http.post("/api/create", "{\"model\":\"t3\",\"from\":\"tiny\",\"parameters\":null,\"files\":null,\"stream\":false}").status())
                .isEqualTo(200);
    }

    @Test
    void generateNonStreamingReturnsOllamaFields() throws Exception {
        var r = http.post("/api/generate", """
                {"model":"tiny","prompt":"one two three","stream":false,"options":{"num_predict":4,"seed":1}}""");
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("model").asText()).isEqualTo("tiny");
        assertThat(j.get("response").asText()).isEqualTo("three two one three");
        assertThat(j.get("done").asBoolean()).isTrue();
        assertThat(j.get("done_reason").asText()).isEqualTo("length");
        assertThat(j.get("eval_count").asInt()).isEqualTo(4);
        assertThat(j.get("prompt_eval_count").asInt()).isPositive();
        assertThat(j.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        for (String f : List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
            assertThat(j.has(f)).as(f).isTrue();
        }
        assertThat(j.has("context")).isFalse();
        assertThat(runtimes.get("tiny").prompts.getFirst()).isEqualTo("<user>one two three\n<assistant>");
    }

    @Test
    void generateStreamsNdjsonPieces() throws Exception {
        var r = http.post("/api/generate", """
                {"model":"tiny","prompt":"a b","system":"be brief","options":{"num_predict":3}}""");
        assertThat(r.contentType()).startsWith("application/x-ndjson");
        List<JsonNode> lines = r.ndjson();
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(0, 3)).allSatisfy(l -> assertThat(l.get("done").asBoolean()).isFalse());
        assertThat(lines.stream().map(l -> l.get("response").asText()).reduce("", String::concat)).isEqualTo("b a brief");
        assertThat(lines.getLast().get("done").asBoolean()).isTrue();
        assertThat(lines.getLast().get("eval_count").asInt()).isEqualTo(3);
        assertThat(runtimes.get("tiny").prompts.getFirst()).startsWith("<system>be brief\n");
    }

    @Test
    void rawSkipsTheTemplateAndStopComesFromModelParameters() throws Exception {
        var r = http.post("/api/generate", """
                {"model":"tiny:chat","prompt":"x zzz y","raw":true,"stream":false}""");
        assertThat(runtimes.get("tiny_chat").prompts.getFirst()).isEqualTo("x zzz y");
        assertThat(r.json().get("response").asText()).isEqualTo("y");
        assertThat(r.json().get("done_reason").asText()).isEqualTo("stop");
    }

    @Test
    void aRequestTemplateReplacesTheChatTemplate() throws Exception {
        var r = http.post("/api/generate", """
                {"model":"tiny","prompt":"hi","system":"sys","template":"S:{{ .System }} P:{{ .Prompt }}","stream":false,
                 "options":{"num_predict":1}}""");
        assertThat(r.status()).isEqualTo(200);
        assertThat(runtimes.get("tiny").prompts.getFirst()).isEqualTo("S:sys P:hi");
        var bad = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"template\":\"{{ range .Tools }}\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).contains("'template' cannot be used").contains("'{{ range .Tools }}'");
    }

    @Test
    void aFailureMidStreamEndsTheStreamWithAnErrorLineRevealingNothing() throws Exception {
        http.post("/api/generate", "{\"model\":\"tiny\"}");
        runtimes.get("tiny").failAfter = 2;
        var r = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"a b c\"}");
        List<JsonNode> lines = r.ndjson();
        assertThat(lines).hasSize(3);
        assertThat(lines.getLast().get("error").asText()).isEqualTo("internal server error");
        assertThat(r.body()).doesNotContain("secret").doesNotContain("exploded");
        var whole = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"a b c\",\"stream\":false}");
        assertThat(whole.status()).isEqualTo(500);
        assertThat(whole.body()).isEqualTo("{\"error\":\"internal server error\"}");
    }

    @Test
    void emptyPromptOnlyLoadsAndKeepAliveZeroUnloads() throws Exception {
        JsonNode load = http.post("/api/generate", "{\"model\":\"tiny\",\"keep_alive\":\"1h\"}").json();
        assertThat(load.get("done_reason").asText()).isEqualTo("load");
        assertThat(load.get("response").asText()).isEmpty();
        JsonNode ps = http.get("/api/ps").json().get("models");
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).get("name").asText()).isEqualTo("tiny");
        assertThat(ps.get(0).get("size").asLong()).isEqualTo(64);
        assertThat(java.time.OffsetDateTime.parse(ps.get(0).get("expires_at").asText()).toInstant())
                .isAfter(java.time.Instant.now().plusSeconds(3500));
        JsonNode unload = http.post("/api/generate", "{\"model\":\"tiny\",\"keep_alive\":0}").json();
        assertThat(unload.get("done_reason").asText()).isEqualTo("unload");
        assertThat(http.get("/api/ps").json().get("models")).isEmpty();
        assertThat(runtimes.get("tiny").closed).isTrue();
    }

    @Test
    void chatStreamsAssistantMessages() throws Exception {
        var r = http.post("/api/chat", """
                {"model":"tiny","messages":[{"role":"system","content":"s"},{"role":"user","content":"hello world"}],
                 "options":{"num_predict":2}}""");
        List<JsonNode> lines = r.ndjson();
        assertThat(lines).hasSize(3);
        assertThat(lines.getFirst().get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(lines.getFirst().get("message").get("content").asText()).isEqualTo("world");
        assertThat(lines.getLast().get("done_reason").asText()).isEqualTo("length");
        assertThat(runtimes.get("tiny").prompts.getFirst()).isEqualTo("<system>s\n<user>hello world\n<assistant>");

        JsonNode whole = http.post("/api/chat", """
                {"model":"tiny","stream":false,"messages":[{"role":"user","content":"p q"}],"options":{"num_predict":2}}""").json();
        assertThat(whole.get("message").get("content").asText()).isEqualTo("q p");
    }

    @Test
    void formatLeavesThePromptAloneAndRefusesInvalidSchemas() throws Exception {
        var r = http.post("/api/generate", """
                {"model":"tiny","prompt":"{}","format":"json","stream":false,"options":{"num_predict":1}}""");
        assertThat(r.status()).isEqualTo(200);
        assertThat(runtimes.get("tiny").prompts.getFirst()).as("as in Ollama, no instruction is injected").isEqualTo("<user>{}\n<assistant>");
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"x\",\"format\":\"xml\"}").status()).isEqualTo(400);
        http.post("/api/chat", """
                {"model":"tiny","messages":[{"role":"system","content":"s"},{"role":"user","content":"{}"}],"format":{"type":"object"},
                 "stream":false,"options":{"num_predict":1}}""");
        assertThat(runtimes.get("tiny").prompts.getLast()).isEqualTo("<system>s\n<user>{}\n<assistant>");
        var cyclic = http.post("/api/chat", """
                {"model":"tiny","messages":[{"role":"user","content":"x"}],"format":{"anyOf":[{"$ref":"#"},{"type":"null"}]}}""");
        assertThat(cyclic.status()).isEqualTo(400);
        assertThat(cyclic.json().get("error").asText()).startsWith("invalid JSON schema for structured output: ").contains("cycle");
        var remote = http.post("/api/generate", """
                {"model":"tiny","prompt":"x","format":{"type":"object","properties":{"a":{"$ref":"file:///etc/passwd"}}}}""");
        assertThat(remote.status()).isEqualTo(400);
        assertThat(remote.json().get("error").asText()).contains("only local references");
        var unsatisfiable = http.post("/api/generate", """
                {"model":"tiny","prompt":"x","format":{"type":"array","minItems":3,"maxItems":1}}""");
        assertThat(unsatisfiable.status()).isEqualTo(400);
    }

    @Test
    void tagsShowCopyCreateDelete() throws Exception {
        JsonNode tags = http.get("/api/tags").json().get("models");
        assertThat(tags).extracting(m -> m.get("name").asText()).containsExactlyInAnyOrder("tiny", "tiny:chat");
        assertThat(tags.get(0).get("digest").asText()).matches("[0-9a-f]+");

        JsonNode show = http.post("/api/show", "{\"model\":\"tiny:chat\"}").json();
        assertThat(show.get("parameters").asText()).matches("stop +\"zzz\"");
        assertThat(show.get("modelfile").asText()).contains("FROM");

        http.post("/api/generate", "{\"model\":\"tiny\",\"keep_alive\":-1}");
        assertThat(http.post("/api/copy", "{\"source\":\"tiny:chat\",\"destination\":\"tiny\"}").status()).isEqualTo(200);
        assertThat(runtimes.get("tiny").closed).as("the replaced model is unloaded").isTrue();
        assertThat(http.post("/api/copy", "{\"source\":\"tiny\",\"destination\":\"tiny2\"}").status()).isEqualTo(200);
        var created = http.post("/api/create", """
                {"model":"mine","from":"tiny","system":"You are terse.","parameters":{"temperature":0.1},"stream":false}""");
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.json().get("status").asText()).isEqualTo("success");
        assertThat(catalog.show("mine").parameters()).containsEntry("temperature", 0.1);
        assertThat(http.delete("/api/delete", "{\"model\":\"tiny2\"}").status()).isEqualTo(200);
        assertThat(http.get("/api/tags").json().get("models")).extracting(m -> m.get("name").asText())
                .containsExactlyInAnyOrder("tiny", "tiny:chat", "mine");
        assertThat(http.delete("/api/delete", "{\"model\":\"tiny2\"}").status()).isEqualTo(404);
        assertThat(http.post("/api/create", "{\"model\":\"bad\",\"from\":\"tiny\",\"parameters\":{\"top_p\":5}}").status())
                .isEqualTo(400);
    }

    @Test
    void embedAndLegacyEmbeddings() throws Exception {
        JsonNode e = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":[\"a\",\"bb\"]}").json();
        assertThat(e.get("embeddings")).hasSize(2);
        assertThat(e.get("embeddings").get(0)).hasSize(4);
        JsonNode single = http.post("/api/embed", "{\"model\":\"tiny\",\"input\":\"a\"}").json();
        assertThat(single.get("embeddings").get(0)).isEqualTo(e.get("embeddings").get(0));
        JsonNode legacy = http.post("/api/embeddings", "{\"model\":\"tiny\",\"prompt\":\"a\"}").json();
        assertThat(legacy.get("embedding").toString()).as("raw, as Ollama's legacy endpoint").isEqualTo("[97.0,0.0,0.0,0.0]");
    }

    @Test
    void errorsUseOllamaShapeWithClearMessages() throws Exception {
        var missing = http.post("/api/generate", "{\"prompt\":\"x\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("error").asText()).isEqualTo("'model' is required");
        var unknown = http.post("/api/chat", "{\"model\":\"nope\",\"messages\":[]}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).isEqualTo("model 'nope' not found");
        var hot = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"temperature\":\"hot\"}}");
        assertThat(hot.status()).isEqualTo(400);
        assertThat(hot.json().get("error").asText()).isEqualTo("'options.temperature' must be a number, got a string");
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"num_ctx\":-1}}").status()).isEqualTo(400);
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"top_p\":2}}").status()).isEqualTo(400);
        assertThat(http.post("/api/generate", "{\"model\":\"tiny\",").json().get("error").asText()).startsWith("request body is not valid JSON");
        assertThat(http.post("/api/chat", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"root\",\"content\":\"x\"}]}").status()).isEqualTo(400);
        assertThat(http.get("/api/nope").json().get("error").asText()).contains("not found");
        var big = http.post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"" + "x".repeat(5000) + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.json().get("error").asText()).contains("4096 bytes");
    }
}
