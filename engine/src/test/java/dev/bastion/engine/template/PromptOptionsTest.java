package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Thinking and fill-in-the-middle in templates, with recorded template strings. */
class PromptOptionsTest {

    /** Qwen3's chat template, the parts that matter here, verbatim (messages loop reduced to content). */
    static final String QWEN3 = """
            {%- for message in messages %}
                {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
                {%- if enable_thinking is defined and enable_thinking is false %}
                    {{- '<think>\\n\\n</think>\\n\\n' }}
                {%- endif %}
            {%- endif %}""";
    /** Ollama's codellama:code template. */
    static final String CODELLAMA = "{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{- else }}{{ .Prompt }}{{- end }}";
    static final String SMOLLM2 = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final List<ChatMessage> HI = List.of(new ChatMessage("user", "hi"));

    @Test
    void qwen3TurnsThinkingOffWhenAskedAndDefaultsToIt() {
        ChatTemplate t = new ChatTemplate(QWEN3, "", "<|im_end|>");
        String off = t.render(HI, true, new PromptOptions(false, null, null), RenderBudget.standard());
        assertThat(off).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        String on = t.render(HI, true, new PromptOptions(true, "high", null), RenderBudget.standard());
        assertThat(on).endsWith("<|im_start|>assistant\n");
        assertThat(t.render(HI, true, RenderBudget.standard())).isEqualTo(on);
    }

    @Test
    void thinkingAndInsertAreDetectedFromTheTemplateSource() {
        assertThat(PromptOptions.templateThinks(QWEN3)).isTrue();
        assertThat(PromptOptions.templateThinks("{{ if .Think }}/think{{ end }}{{ .Prompt }}")).isTrue();
        assertThat(PromptOptions.templateThinks(SMOLLM2)).isFalse();
        assertThat(PromptOptions.templateThinks(null)).isFalse();
        assertThat(PromptOptions.templateInserts(CODELLAMA)).isTrue();
        assertThat(PromptOptions.templateInserts("{{ .Prompt }}")).isFalse();
    }

    @Test
    void goTemplatesRenderSuffixThinkAndElse() {
        GoPromptTemplate codellama = GoPromptTemplate.parse(CODELLAMA);
        assertThat(codellama.render(HI, new PromptOptions(null, null, "return x"), RenderBudget.standard()))
                .isEqualTo("<PRE> hi <SUF>return x <MID>");
        assertThat(codellama.render(HI, PromptOptions.NONE, RenderBudget.standard())).isEqualTo("hi");
        GoPromptTemplate think = GoPromptTemplate.parse("{{ if .Think }}T:{{ .ThinkLevel }} {{ else }}N {{ end }}{{ .Prompt }}");
        assertThat(think.render(HI, new PromptOptions(true, "low", null), RenderBudget.standard())).isEqualTo("T:low hi");
        assertThat(think.render(HI, new PromptOptions(false, null, null), RenderBudget.standard())).isEqualTo("N hi");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ else }}x")).hasMessageContaining("else without if");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ if .Suffix }}a{{ else }}b{{ else }}c{{ end }}")).hasMessageContaining("else without if");
    }
}
