package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.toolcall.ToolCall;
import dev.bastion.engine.toolcall.ToolCallFormat;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Tools, assistant tool calls and tool results through stock Hugging Face chat templates, as transformers renders them. */
class ChatTemplateToolsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock MARCH_5_2026 = Clock.fixed(Instant.parse("2026-03-05T10:15:30Z"), ZoneOffset.UTC);

    private static JsonNode weatherTool() throws Exception {
        return JSON.readTree("""
                {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}""");
    }

    private static ToolCall call(String name, String arguments) throws Exception {
        return new ToolCall(null, name, (ObjectNode) JSON.readTree(arguments));
    }

    @Test
    void qwen25OffersToolsAndReplaysCallsAndResults() throws Exception {
        ChatTemplate template = new ChatTemplate(ChatTemplateTest.stock("qwen2.5-instruct"), null, "<|im_end|>");
        List<ChatMessage> messages = List.of(new ChatMessage("user", "Weather in Paris?"),
                ChatMessage.assistantCalls("", List.of(call("get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.toolResult("get_weather", null, "sunny, 21 C"));
        String prompt = template.render(messages, List.of(weatherTool()), true, RenderBudget.standard());
        assertThat(prompt).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather in a city\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n"
                + "</tools>\n\nFor each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
                + "</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\nsunny, 21 C\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n");
        assertThat(ToolCallFormat.detect(ChatTemplateTest.stock("qwen2.5-instruct"), t -> false)).isEqualTo(ToolCallFormat.HERMES);
    }

    @Test
    void qwen25WithoutToolsIsUnchanged() {
        ChatTemplate template = new ChatTemplate(ChatTemplateTest.stock("qwen2.5-instruct"), null, "<|im_end|>");
        List<ChatMessage> messages = List.of(new ChatMessage("user", "Hi"));
        assertThat(template.render(messages, List.of(), true, RenderBudget.standard())).isEqualTo(template.render(messages, true));
    }

    @Test
    void llama32PutsToolsInTheFirstUserMessageAndReplaysTheCall() throws Exception {
        ChatTemplate template = new ChatTemplate(ChatTemplateTest.stock("llama-3.2-instruct"), "<|begin_of_text|>", "<|eot_id|>", MARCH_5_2026);
        List<ChatMessage> messages = List.of(new ChatMessage("user", "Weather in Paris?"),
                ChatMessage.assistantCalls("", List.of(call("get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.toolResult("get_weather", "call_1", "sunny"));
        String prompt = template.render(messages, List.of(weatherTool()), true, RenderBudget.standard());
        assertThat(prompt)
                .contains("Environment: ipython\n")
                .contains("Given the following functions, please respond with a JSON for a function call")
                .contains("{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",")
                .contains("Weather in Paris?<|eot_id|>")
                .contains("<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>")
                .contains("<|start_header_id|>ipython<|end_header_id|>\n\n\"sunny\"<|eot_id|>")
                .endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(ToolCallFormat.detect(ChatTemplateTest.stock("llama-3.2-instruct"), t -> false)).isEqualTo(ToolCallFormat.LLAMA);
    }
}
