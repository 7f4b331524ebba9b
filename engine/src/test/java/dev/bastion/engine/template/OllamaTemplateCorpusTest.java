package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.toolcall.ToolCall;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ollama's own templates (resources {@code templates/ollama}, see SOURCE.md there) rendered on the conversations of
 * Ollama's own tests, compared with the outputs Ollama's tests expect: the library templates of {@code template/}
 * with {@code template/testdata}, and the tool-calling library templates with {@code tools/testdata}.
 */
class OllamaTemplateCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = "/templates/ollama/";
    private static final List<String> LIBRARY = List.of("alfred", "alpaca", "chatml", "chatqa", "codellama-70b-instruct",
            "command-r", "falcon-instruct", "gemma-instruct", "gemma3-instruct", "granite-instruct", "llama2-chat",
            "llama3-instruct", "magicoder", "mistral-instruct", "openchat", "phi-3", "solar-instruct",
            "starcoder2-instruct", "vicuna", "zephyr");
    /** Ollama's test drops one trailing space of these templates' output before comparing (template_test.go). */
    private static final List<String> TRAILING_SPACE = List.of("chatqa", "llama2-chat", "mistral-instruct", "openchat", "vicuna");
    private static final List<String> TOOLS = List.of("llama3.2", "llama3-groq-tool-use", "mistral", "qwen2.5", "qwen3",
            "command-r-plus", "firefunction", "nemotron", "xlam");

    /** The three conversations of Ollama's TestTemplate, by the name of their expected-output file. */
    private static final Map<String, List<ChatMessage>> CONVERSATIONS = Map.of(
            "user", List.of(new ChatMessage("user", "Hello, how are you?")),
            "user-assistant-user", List.of(new ChatMessage("user", "Hello, how are you?"),
                    new ChatMessage("assistant", "I'm doing great. How can I help you today?"),
                    new ChatMessage("user", "I'd like to show off how chat templating works!")),
            "system-user-assistant-user", List.of(new ChatMessage("system", "You are a helpful assistant."),
                    new ChatMessage("user", "Hello, how are you?"),
                    new ChatMessage("assistant", "I'm doing great. How can I help you today?"),
                    new ChatMessage("user", "I'd like to show off how chat templating works!")));

    @TestFactory
    Stream<DynamicTest> libraryTemplatesRenderAsOllamasTestdata() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : LIBRARY) {
            for (Map.Entry<String, List<ChatMessage>> c : CONVERSATIONS.entrySet()) {
                tests.add(DynamicTest.dynamicTest(name + " " + c.getKey(), () -> {
                    String out = GoPromptTemplate.parse(resource("library/" + name + ".gotmpl")).render(c.getValue());
                    if (TRAILING_SPACE.contains(name) && out.endsWith(" ")) out = out.substring(0, out.length() - 1);
                    assertThat(out).isEqualTo(resource("library/expected/" + name + ".gotmpl/" + c.getKey()));
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> toolTemplatesRenderAsOllamasTestdata() throws IOException {
        List<ChatMessage> messages = messages(JSON.readTree(resource("tools/messages.json")));
        List<JsonNode> tools = new ArrayList<>();
        JSON.readTree(resource("tools/tools.json")).forEach(tools::add);
        return TOOLS.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            GoPromptTemplate template = GoPromptTemplate.parse(resource("tools/" + name + ".gotmpl"));
            assertThat(template.takesTools()).isTrue();
            assertThat(template.render(messages, tools, RenderBudget.standard())).isEqualTo(resource("tools/" + name + ".out"));
        }));
    }

    /** Qwen2.5's library template, asked to fill in the middle: its .Suffix branch alone, as Ollama executes it. */
    @org.junit.jupiter.api.Test
    void aPromptWithASuffixTakesTheTemplatesSuffixBranch() {
        GoPromptTemplate qwen = GoPromptTemplate.parse(resource("tools/qwen2.5.gotmpl"));
        assertThat(qwen.render(List.of(new ChatMessage("user", "def add(")), new PromptOptions(null, null, "return x"),
                RenderBudget.standard())).isEqualTo("<|fim_prefix|>def add(<|fim_suffix|>return x<|fim_middle|>");
        assertThat(qwen.render(List.of(new ChatMessage("user", "hi")), PromptOptions.NONE, RenderBudget.standard()))
                .isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    }

    /** Ollama's api.Message JSON as our chat messages. */
    static List<ChatMessage> messages(JsonNode array) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : array) {
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode c : m.path("tool_calls")) {
                JsonNode f = c.path("function");
                calls.add(new ToolCall(c.path("id").asText(null), f.path("name").asText(), (ObjectNode) f.path("arguments")));
            }
            out.add(new ChatMessage(m.path("role").asText(), m.path("content").asText(""), calls,
                    m.path("tool_name").asText(null), m.path("tool_call_id").asText(null)));
        }
        return out;
    }

    static String resource(String path) {
        try (InputStream in = OllamaTemplateCorpusTest.class.getResourceAsStream(ROOT + path)) {
            if (in == null) throw new IllegalStateException("missing test resource " + ROOT + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
