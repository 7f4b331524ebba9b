package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

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
    void llama32RendersToolResultsAsIpythonTurnsWithJsonForStrings() {
        // A Python str "is iterable", so the template writes tool content through tojson, quotes included.
        ChatTemplate template = new ChatTemplate(stock("llama-3.2-instruct"), "<|begin_of_text|>", "<|eot_id|>", MARCH_5_2026);
        assertThat(template.render(List.of(user("U"), new ChatMessage("tool", "R")), true)).isEqualTo(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 05 Mar 2026\n\n<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>"
                        + "<|start_header_id|>ipython<|end_header_id|>\n\n\"R\"<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
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
        assertThatThrownBy(() -> template.render(List.of(user("U"), new ChatMessage("tool", "R")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template raised: Only user and assistant roles are supported!");
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
    void messageContentIsDataNeverTemplateCode() {
        String hostile = "{{ 7 * 7 }}{% for x in range(3) %}x{% endfor %}{{ raise_exception('boom') }}";
        assertThat(ChatTemplate.fallback().render(List.of(user(hostile)), false))
                .isEqualTo("<|im_start|>user\n" + hostile + "<|im_end|>\n");
    }

    @Test
    void javaMethodsOnStringsAreNotReachable() {
        ChatTemplate template = new ChatTemplate("{{ 'x'.repeat(2000000000) }}", "", "");
        assertThatThrownBy(() -> template.render(List.of(), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("str has no method 'repeat'");
    }

    @Test
    void rendersConcurrently() throws Exception {
        ChatTemplate template = new ChatTemplate(stock("llama-3.2-instruct"), "<|begin_of_text|>", "<|eot_id|>", MARCH_5_2026);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String content = "question " + i;
                results.add(pool.submit(() -> template.render(List.of(user(content)), true)
                        .contains("<|start_header_id|>user<|end_header_id|>\n\n" + content + "<|eot_id|>")));
            }
            for (var result : results) assertThat(result.get()).isTrue();
        }
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
    void generationBlocksAndLoopControlsRender() {
        String source = "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}"
                + "{% if m.role == 'assistant' %}{% generation %}[{{ m.content }}]{% endgeneration %}{% else %}{{ m.content }}{% endif %}"
                + "{% if loop.index >= 3 %}{% break %}{% endif %}{% endfor %}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(system("s"), user("u"), assistant("a"), user("late")), false))
                .isEqualTo("u[a]");
    }

    @Test
    void typeTestsFollowPython() {
        String source = "{% for v in ['abc', messages, messages[0], 3, none] %}"
                + "{{ 'I' if v is iterable else 'i' }}{{ 'S' if v is sequence else 's' }}{{ 'M' if v is mapping else 'm' }}"
                + "{{ 'T' if v is string else 't' }},{% endfor %}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(user("u")), false)).isEqualTo("ISmT,ISmt,ISMt,ismt,ismt,");
    }

    @Test
    void controlCharactersInContentSurviveRendering() {
        // Jinjava's Python-style object printing would escape these, so it stays off.
        String content = "\u001b[31mred\u001b[0m \u0000 \u0007 tab\t <b>&amp; \"quoted\" 'single' \\ {}";
        assertThat(ChatTemplate.fallback().render(List.of(user(content)), false))
                .isEqualTo("<|im_start|>user\n" + content + "<|im_end|>\n");
    }

    @Test
    void whitespaceIsPythonsInTrimStripAndSplit() {
        String source = "[{{ messages[0].content | trim }}][{{ messages[0].content.strip() }}][{{ messages[0].content.split() | join('|') }}]";
        String content = "\u00A0\t hi\u0001 there\u3000\n";
        assertThat(new ChatTemplate(source, "", "").render(List.of(user(content)), false))
                .isEqualTo("[hi\u0001 there][hi\u0001 there][hi\u0001|there]");
    }

    @Test
    void pythonDictMethodsWork() {
        String source = "{% set d = {'b': 1, 'a': 'x'} %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"
                + "{{ d.keys() | join(',') }}|{{ d.get('a') }}|{{ d.get('zz', 'default') }}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(), false)).isEqualTo("b=1;a=x;b,a|x|default");
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

    /** Python's strftime runs in the C locale: a server whose default locale uses other digits must not change prompts. */
    @Test
    void strftimeNowUsesAsciiDigitsWhateverTheDefaultLocale() {
        String source = "{{ strftime_now('%d %m %y %H:%M:%S %I %j') }}";
        Locale saved = Locale.getDefault();
        try {
            for (String tag : new String[] {"ar-EG", "fa-IR"}) {
                Locale.setDefault(Locale.forLanguageTag(tag));
                assertThat(new ChatTemplate(source, "", "", MARCH_5_2026).render(List.of(), false)).as(tag)
                        .isEqualTo("05 03 26 10:15:30 10 064");
            }
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void raiseExceptionBecomesAClearError() {
        ChatTemplate template = new ChatTemplate("{{ raise_exception('no ' + messages[0].role + ' here') }}", "", "");
        assertThatThrownBy(() -> template.render(List.of(user("x")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template raised: no user here");
    }

    @Test
    void brokenTemplateSyntaxIsReportedWhenLoaded() {
        assertThatThrownBy(() -> new ChatTemplate("{% for message in messages %}{{ message.content }}", "", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat template does not parse at line 1");
        assertThatThrownBy(() -> new ChatTemplate("{% generate_text %}", "", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown tag: generate_text");
    }

    @Test
    void failuresWhileRenderingAreReported() {
        ChatTemplate badExpression = new ChatTemplate("{{ messages[0 }}", "", "");
        assertThatThrownBy(() -> badExpression.render(List.of(user("x")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat template failed at line 1");
        ChatTemplate unknownFunction = new ChatTemplate("{{ no_such_function(messages) }}", "", "");
        assertThatThrownBy(() -> unknownFunction.render(List.of(user("x")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no_such_function");
    }
}
