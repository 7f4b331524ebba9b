package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Anthropic's Messages API on the fake runtime (which answers a prompt's words reversed). */
class AnthropicApiTest extends FakeServerTest {

    @BeforeEach
    void up() {
        start(0, 1, 1 << 20);
    }

    /** The stream's events as (name, data) pairs, checking every {@code event:} line has its {@code data:}. */
    private static List<String[]> events(TestHttp.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/event-stream");
        List<String[]> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (block.isBlank()) continue;
            String[] lines = block.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            events.add(new String[] {lines[0].substring(7), lines[1].substring(6)});
        }
        return events;
    }

    @Test
    void aWholeMessageHasAnthropicsShape() throws Exception {
        var r = http.post("/v1/messages", """
                {"model":"tiny","max_tokens":2,"system":[{"type":"text","text":"be brief"}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"x y"}]}],"metadata":{"user_id":"u"}}""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode m = r.json();
        assertThat(m.get("id").asText()).matches("msg_[0-9a-f]{24}");
        assertThat(m.get("type").asText()).isEqualTo("message");
        assertThat(m.get("role").asText()).isEqualTo("assistant");
        assertThat(m.get("model").asText()).isEqualTo("tiny");
        assertThat(m.get("content")).hasSize(1);
        assertThat(m.get("content").get(0).get("type").asText()).isEqualTo("text");
        assertThat(m.get("content").get(0).get("text").asText()).isEqualTo("y x");
        assertThat(m.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(m.get("usage").get("output_tokens").asInt()).isEqualTo(2);
        assertThat(m.get("usage").get("input_tokens").asInt()).isPositive();
        assertThat(runtimes.get("tiny").prompts.getFirst()).startsWith("<system>be brief\n<user>x y");
    }

    @Test
    void aStreamIsAnthropicsEventSequence() throws Exception {
        List<String[]> events = events(http.post("/v1/messages", """
                {"model":"tiny","max_tokens":50,"stream":true,"stop_sequences":["a"],"messages":[{"role":"user","content":"a b c"}]}"""));
        List<String> names = events.stream().map(e -> e[0]).toList();
        assertThat(names.stream().distinct()).containsExactly("message_start", "content_block_start",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(names.subList(2, names.size() - 3)).as("deltas in one run").containsOnly("content_block_delta");
        StringBuilder text = new StringBuilder();
        for (String[] e : events) {
            JsonNode data = JsonFields.MAPPER.readTree(e[1]);
            assertThat(data.get("type").asText()).as("data.type names the event").isEqualTo(e[0]);
            if (e[0].equals("content_block_delta")) {
                assertThat(data.get("delta").get("type").asText()).isEqualTo("text_delta");
                text.append(data.get("delta").get("text").asText());
            }
            if (e[0].equals("message_start")) assertThat(data.get("message").get("content")).isEmpty();
            if (e[0].equals("message_delta")) {
                assertThat(data.get("delta").get("stop_reason").asText()).isEqualTo("end_turn");
                assertThat(data.get("usage").get("output_tokens").asInt()).isEqualTo(names.size() - 5);
            }
        }
        assertThat(text).hasToString("c b");
    }

    @Test
    void errorsHaveAnthropicsShape() throws Exception {
        var noMax = http.post("/v1/messages", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(noMax.status()).isEqualTo(400);
        assertThat(noMax.json().get("type").asText()).isEqualTo("error");
        assertThat(noMax.json().get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(noMax.json().get("error").get("message").asText()).contains("max_tokens");
        var unknown = http.post("/v1/messages", "{\"model\":\"nope\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").get("type").asText()).isEqualTo("not_found_error");
        for (String hostile : List.of("{\"model\":\"tiny\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"tiny\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}",
                "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":42}]}",
                "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[]}",
                "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}",
                "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop_sequences\":\"x\"}",
                "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"description\":\"nameless\"}]}",
                "[1]", "")) {
            var r = http.post("/v1/messages", hostile);
            assertThat(r.status()).as(hostile).isEqualTo(400);
            assertThat(r.json().get("error").get("type").asText()).as(hostile).isEqualTo("invalid_request_error");
        }
    }

    @Test
    void anthropicServerToolsAreLeftOut() throws Exception {
        var r = http.post("/v1/messages", """
                {"model":"tiny","max_tokens":2,"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}],
                 "messages":[{"role":"user","content":"x y"}]}""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void toolResultsAndStopSequencesReachTheChat() throws Exception {
        var r = http.post("/v1/messages", """
                {"model":"tiny","max_tokens":3,"stop_sequences":["zz"],"messages":[
                  {"role":"user","content":"q"},
                  {"role":"assistant","content":[{"type":"text","text":"calling"},{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"r1"}]}]}]}""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(runtimes.get("tiny").prompts.getFirst()).contains("<user>q").contains("<assistant>calling").contains("r1");
    }
}
