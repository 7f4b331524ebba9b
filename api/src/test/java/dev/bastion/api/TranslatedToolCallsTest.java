package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calls through the translation layers: /v1/messages gives Anthropic tool_use blocks, /v1/responses
 * function_call items, whole and streamed.
 */
class TranslatedToolCallsTest {

    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    private static final String REQUEST = """
            {"model":"tiny","max_tokens":50,"stream":%s,
             "tools":[{"name":"get_weather","description":"Weather in a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "messages":[{"role":"user","content":"Weather in Paris?"}]}""";

    @TempDir
    Path home;
    @TempDir
    Path source;

    private final ScriptedToolModel model = new ScriptedToolModel();
    private BastionServer server;
    private TestHttp http;

    @BeforeEach
    void start() throws Exception {
        ModelStore store = new ModelStore(home);
        store.importDirectory(ScriptedToolModel.write(source.resolve("m")), ModelName.parse("tiny"), null);
        server = new BastionServer(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)), new StoreCatalog(store), model.loader()).start();
        http = new TestHttp(server.baseUrl());
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void aWholeReplyCarriesToolUseBlocks() throws Exception {
        model.replies.add(CALL);
        var r = http.post("/v1/messages", REQUEST.formatted(false));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode m = r.json();
        assertThat(m.get("stop_reason").asText()).isEqualTo("tool_use");
        JsonNode block = m.get("content").get(m.get("content").size() - 1);
        assertThat(block.get("type").asText()).isEqualTo("tool_use");
        assertThat(block.get("name").asText()).isEqualTo("get_weather");
        assertThat(block.get("id").asText()).isNotBlank();
        assertThat(block.get("input")).isEqualTo(JsonFields.MAPPER.readTree("{\"city\":\"Paris\"}"));
        assertThat(model.prompts.getFirst()).as("the tools reached the chat template").contains("get_weather");
    }

    @Test
    void aStreamCarriesToolUseBlocksWithTheirInputAsJsonDeltas() throws Exception {
        model.replies.add(CALL);
        var r = http.post("/v1/messages", REQUEST.formatted(true));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (!block.isBlank()) events.add(JsonFields.MAPPER.readTree(block.split("\n")[1].substring("data: ".length())));
        }
        JsonNode start = events.stream().filter(e -> e.get("type").asText().equals("content_block_start")
                && e.get("content_block").get("type").asText().equals("tool_use")).findFirst().orElseThrow();
        assertThat(start.get("content_block").get("name").asText()).isEqualTo("get_weather");
        int index = start.get("index").asInt();
        StringBuilder json = new StringBuilder();
        events.stream().filter(e -> e.get("type").asText().equals("content_block_delta") && e.get("index").asInt() == index)
                .forEach(e -> {
                    assertThat(e.get("delta").get("type").asText()).isEqualTo("input_json_delta");
                    json.append(e.get("delta").get("partial_json").asText());
                });
        assertThat(JsonFields.MAPPER.readTree(json.toString())).isEqualTo(JsonFields.MAPPER.readTree("{\"city\":\"Paris\"}"));
        assertThat(events.stream().filter(e -> e.get("type").asText().equals("content_block_stop")).map(e -> e.get("index").asInt()))
                .as("every block is closed once").doesNotHaveDuplicates().contains(index);
        JsonNode delta = events.stream().filter(e -> e.get("type").asText().equals("message_delta")).findFirst().orElseThrow();
        assertThat(delta.get("delta").get("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(events.getLast().get("type").asText()).isEqualTo("message_stop");
    }

    private static final String RESPONSES_REQUEST = """
            {"model":"tiny","max_output_tokens":50,"stream":%s,"input":"Weather in Paris?",
             "tools":[{"type":"function","name":"get_weather","description":"Weather in a city",
                       "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}""";

    @Test
    void responsesCarryFunctionCallItems() throws Exception {
        model.replies.add(CALL);
        JsonNode whole = http.post("/v1/responses", RESPONSES_REQUEST.formatted(false)).json();
        JsonNode item = whole.get("output").get(whole.get("output").size() - 1);
        assertThat(item.get("type").asText()).isEqualTo("function_call");
        assertThat(item.get("name").asText()).isEqualTo("get_weather");
        assertThat(item.get("call_id").asText()).isNotBlank();
        assertThat(JsonFields.MAPPER.readTree(item.get("arguments").asText())).isEqualTo(JsonFields.MAPPER.readTree("{\"city\":\"Paris\"}"));

        model.replies.add(CALL);
        var r = http.post("/v1/responses", RESPONSES_REQUEST.formatted(true));
        List<JsonNode> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (!block.isBlank()) events.add(JsonFields.MAPPER.readTree(block.split("\n")[1].substring("data: ".length())));
        }
        JsonNode done = events.stream().filter(e -> e.get("type").asText().equals("response.function_call_arguments.done"))
                .findFirst().orElseThrow();
        assertThat(JsonFields.MAPPER.readTree(done.get("arguments").asText())).isEqualTo(JsonFields.MAPPER.readTree("{\"city\":\"Paris\"}"));
        JsonNode completed = events.getLast();
        assertThat(completed.get("type").asText()).isEqualTo("response.completed");
        JsonNode output = completed.get("response").get("output");
        assertThat(output.get(output.size() - 1).get("type").asText()).isEqualTo("function_call");
        for (int i = 0; i < events.size(); i++) assertThat(events.get(i).get("sequence_number").asInt()).isEqualTo(i);
    }
}
