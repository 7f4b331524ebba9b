package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Stock templates (verbatim from the models' tokenizer_config.json) rendered to the strings transformers produces;
 * the expectations are derived by reading each template.
 */
class ChatTemplateTest {

    private static final Clock MARCH_5_2026 = Clock.fixed(Instant.parse("2026-03-05T10:15:30Z"), ZoneOffset.UTC);

    static String stock(String name) {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/templates/" + name + ".jinja")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    @Test
    void smolLm2AddsItsDefaultSystemPrompt() {
        ChatTemplate template = new ChatTemplate(stock("smollm2-instruct"), "<|im_start|>", "<|im_end|>");
        assertThat(template.render(List.of(user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void smolLm2KeepsAGivenSystemPromptAndHistory() {
        ChatTemplate template = new ChatTemplate(stock("smollm2-instruct"), "<|im_start|>", "<|im_end|>");
        assertThat(template.render(List.of(system("Be brief."), user("Hi"), assistant("Hello!"), user("Bye")), false)).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n");
    }

    @Test
    void qwen25WithoutToolsUsesItsDefaultSystemPrompt() {
        ChatTemplate template = new ChatTemplate(stock("qwen2.5-instruct"), null, "<|im_end|>");
        assertThat(template.render(List.of(user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen25RendersSystemOnceAndAssistantTurns() {
        ChatTemplate template = new ChatTemplate(stock("qwen2.5-instruct"), null, "<|im_end|>");
        assertThat(template.render(List.of(system("S"), user("U"), assistant("A")), false)).isEqualTo(
                "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n");
    }

    @Test
    void qwen25GroupsConsecutiveToolResponsesInOneUserTurn() {
        ChatTemplate template = new ChatTemplate(stock("qwen2.5-instruct"), null, "<|im_end|>");
        List<ChatMessage> messages = List.of(user("U"), new ChatMessage("tool", "R1"), new ChatMessage("tool", "R2"));
        assertThat(template.render(messages, true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nU<|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\nR1\n</tool_response>\n<tool_response>\nR2\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void llama32PutsTodaysDateAndTrimsContent() {
        ChatTemplate template = new ChatTemplate(stock("llama-3.2-instruct"), "<|begin_of_text|>", "<|eot_id|>", MARCH_5_2026);
        assertThat(template.render(List.of(system("  Be brief. "), user(" Hi ")), true)).isEqualTo(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 05 Mar 2026\n\n"
                        + "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama32WithoutSystemMessageHasAnEmptySystemTurn() {
        ChatTemplate template = new ChatTemplate(stock("llama-3.2-instruct"), "<|begin_of_text|>", "<|eot_id|>", MARCH_5_2026);
        assertThat(template.render(List.of(user("Hi"), assistant("Yo"), user("Bye")), false)).isEqualTo(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 05 Mar 2026\n\n<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>");
    }

    @Test
    void mistralInstructAlternatesInstBlocks() {
        ChatTemplate template = new ChatTemplate(stock("mistral-instruct-v0.1"), "<s>", "</s>");
        assertThat(template.render(List.of(user("U1"), assistant("A1"), user("U2")), true))
                .isEqualTo("<s>[INST] U1 [/INST]A1</s>[INST] U2 [/INST]");
    }

    @Test
    void mistralInstructRaisesOnRolesThatDoNotAlternate() {
        ChatTemplate template = new ChatTemplate(stock("mistral-instruct-v0.1"), "<s>", "</s>");
        assertThatThrownBy(() -> template.render(List.of(user("U1"), user("U2")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conversation roles must alternate user/assistant/user/assistant/...");
        assertThatThrownBy(() -> template.render(List.of(system("S"), user("U")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conversation roles must alternate");
    }

    @Test
    void llama2FoldsTheSystemPromptIntoTheFirstInstAndStripsContent() {
        ChatTemplate template = new ChatTemplate(stock("llama-2-chat"), "<s>", "</s>");
        assertThat(template.render(List.of(system("S"), user(" U1 "), assistant(" A1 "), user("U2")), true))
                .isEqualTo("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\n U1 [/INST] A1 </s><s>[INST] U2 [/INST]");
    }

    @Test
    void tinyLlamaNeedsTrimBlocksToKeepOnlyItsOwnNewlines() {
        ChatTemplate template = new ChatTemplate(stock("tinyllama-chat"), "<s>", "</s>");
        assertThat(template.render(List.of(system("S"), user("U")), true))
                .isEqualTo("<|system|>\nS</s>\n<|user|>\nU</s>\n<|assistant|>\n");
        assertThat(template.render(List.of(user("U")), false)).isEqualTo("<|user|>\nU</s>\n");
    }

    @Test
    void fallbackIsChatMl() {
        assertThat(ChatTemplate.fallback().render(List.of(system("S"), user("Hi")), true))
                .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void pythonStringMethodsBehaveLikePython() {
        String source = "{{ 'a b  c'.split() | length }}|{{ ' x '.lstrip() }}|{{ ' x '.rstrip() }}|{{ 'hello wORLD'.title() }}|"
                + "{{ 'ab'.upper() }}|{{ 'a,b'.split(',')[1] }}|{{ 'xxhixx'.strip('x') }}|"
                + "{% if 'abc'.startswith('ab') and not 'abc'.endswith('x') %}yes{% endif %}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(), false)).isEqualTo("3|x | x|Hello World|AB|b|hi|yes");
    }

    @Test
    void tojsonWritesLikePythonJsonDumps() {
        String source = "{% set call = {'name': 'f', 'args': [1, 'x\"y', true, none], 'e': {}, 'n': 'é\\n'} %}{{ call | tojson }}|"
                + "{% set nested = {'a': [1]} %}{{ nested | tojson(indent=2) }}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(), false))
                .isEqualTo("{\"name\": \"f\", \"args\": [1, \"x\\\"y\", true, null], \"e\": {}, \"n\": \"é\\n\"}|{\n  \"a\": [\n    1\n  ]\n}");
    }

    @Test
    void namespaceLoopVariablesAndAttributeAccessWork() {
        String source = "{% set ns = namespace(last_user='') %}{% for m in messages %}"
                + "{% if m.role == 'user' %}{% set ns.last_user = m['content'] %}{% endif %}"
                + "{{ loop.index0 }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{% endfor %}:{{ ns.last_user }}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(user("a"), assistant("b"), user("c")), false))
                .isEqualTo("0F12L:c");
    }

    @Test
    void strftimeNowFormatsTheClock() {
        String source = "{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %d %b %Y') }}";
        assertThat(new ChatTemplate(source, "", "", MARCH_5_2026).render(List.of(), false))
                .isEqualTo("2026-03-05 10:15:30 Thursday March 05 Mar 2026");
    }

    @Test
    void raiseExceptionBecomesAClearError() {
        ChatTemplate template = new ChatTemplate("{{ raise_exception('no ' + messages[0].role + ' here') }}", "", "");
        assertThatThrownBy(() -> template.render(List.of(user("x")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template raised: no user here");
    }

    @Test
    void brokenTemplateSyntaxIsReported() {
        ChatTemplate template = new ChatTemplate("{% for message in messages %}{{ message.content }}", "", "");
        assertThatThrownBy(() -> template.render(List.of(user("x")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat template");
    }
}
