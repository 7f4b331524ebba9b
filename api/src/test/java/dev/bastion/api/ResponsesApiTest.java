package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenAI's Responses API on the fake runtime (which answers a prompt's words reversed). */
class ResponsesApiTest extends FakeServerTest {

    @BeforeEach
    void up() {
        start(0, 1, 1 << 20);
    }

    @Test
    void aWholeResponseHasTheResponseObjectsShape() throws Exception {
        var r = http.post("/v1/responses", """
                {"model":"tiny","instructions":"be brief","input":[{"role":"developer","content":"d"},
                 {"type":"message","role":"user","content":[{"type":"input_text","text":"x y"}]}],"max_output_tokens":2,"temperature":0.5}""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("id").asText()).matches("resp_[0-9a-f]{24}");
        assertThat(j.get("object").asText()).isEqualTo("response");
        assertThat(j.get("status").asText()).isEqualTo("incomplete");
        assertThat(j.get("incomplete_details").get("reason").asText()).isEqualTo("max_output_tokens");
        assertThat(j.get("instructions").asText()).isEqualTo("be brief");
        assertThat(j.get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(j.get("max_output_tokens").asInt()).isEqualTo(2);
        JsonNode item = j.get("output").get(0);
        assertThat(item.get("type").asText()).isEqualTo("message");
        assertThat(item.get("id").asText()).startsWith("msg_");
        assertThat(item.get("content").get(0).get("type").asText()).isEqualTo("output_text");
        assertThat(item.get("content").get(0).get("text").asText()).isEqualTo("y x");
        assertThat(j.get("usage").get("output_tokens").asInt()).isEqualTo(2);
        assertThat(j.get("usage").get("total_tokens").asInt()).isEqualTo(j.get("usage").get("input_tokens").asInt() + 2);
        assertThat(runtimes.get("tiny").prompts.getFirst()).startsWith("<system>be brief\n<system>d\n<user>x y");
    }

    @Test
    void aStreamIsTheResponsesEventSequence() throws Exception {
        var r = http.post("/v1/responses", "{\"model\":\"tiny\",\"input\":\"a b c\",\"stream\":true,\"max_output_tokens\":3}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/event-stream");
        List<String> names = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int sequence = 0;
        JsonNode completed = null;
        for (String block : r.body().split("\n\n")) {
            if (block.isBlank()) continue;
            String[] lines = block.split("\n");
            String name = lines[0].substring("event: ".length());
            JsonNode data = JsonFields.MAPPER.readTree(lines[1].substring("data: ".length()));
            assertThat(data.get("type").asText()).isEqualTo(name);
            assertThat(data.get("sequence_number").asInt()).isEqualTo(sequence++);
            names.add(name);
            if (name.equals("response.output_text.delta")) text.append(data.get("delta").asText());
            if (name.equals("response.completed")) completed = data.get("response");
        }
        assertThat(names.stream().distinct()).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed");
        assertThat(text).hasToString("c b a");
        assertThat(completed.get("status").asText()).isEqualTo("completed");
        assertThat(completed.get("output").get(0).get("content").get(0).get("text").asText()).isEqualTo("c b a");
        assertThat(completed.get("usage").get("output_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void functionCallItemsBecomeOneAssistantTurnAndBadInputIsA400() throws Exception {
        var r = http.post("/v1/responses", """
                {"model":"tiny","max_output_tokens":2,"input":[{"role":"user","content":"q"},
                 {"type":"function_call","call_id":"c1","name":"f","arguments":"{\\"a\\":1}"},
                 {"type":"function_call_output","call_id":"c1","output":"r1"}]}""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(runtimes.get("tiny").prompts.getFirst()).contains("<user>q").contains("r1");
        for (String bad : List.of("{\"model\":\"tiny\"}", "{\"input\":\"x\"}", "{\"model\":\"tiny\",\"input\":42}",
                "{\"model\":\"tiny\",\"input\":[{\"role\":\"root\",\"content\":\"x\"}]}",
                "{\"model\":\"tiny\",\"input\":[{\"type\":\"computer_call\"}]}",
                "{\"model\":\"tiny\",\"input\":\"x\",\"max_output_tokens\":1.5}",
                "{\"model\":\"tiny\",\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{nope\"}]}")) {
            var e = http.post("/v1/responses", bad);
            assertThat(e.status()).as(bad).isEqualTo(400);
            assertThat(e.json().get("error").get("message").asText()).as(bad).isNotBlank();
        }
        assertThat(http.post("/v1/responses", "{\"model\":\"nope\",\"input\":\"x\"}").status()).isEqualTo(404);
    }
}
