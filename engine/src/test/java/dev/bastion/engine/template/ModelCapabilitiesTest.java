package dev.bastion.engine.template;

import dev.bastion.engine.template.ModelCapabilities.Capability;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bastion.engine.template.ModelCapabilities.detect;
import static org.assertj.core.api.Assertions.assertThat;

class ModelCapabilitiesTest {

    /** Abridged from Qwen2.5-Coder-Instruct's tokenizer_config.json. */
    private static final String QWEN_TEMPLATE = """
            {%- if tools %}{{- '<|im_start|>system\\n' }}{%- for tool in tools %}{{- tool | tojson }}{%- endfor %}{%- endif %}
            {%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}""";
    /** Abridged from Qwen3's. */
    private static final String QWEN3_TEMPLATE = QWEN_TEMPLATE + "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}";
    /** SmolLM2's, which has no tools. */
    private static final String SMOL_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";

    @Test
    void readsToolsThinkingAndInsertFromTemplatesAndTokens() {
        assertThat(detect(SMOL_TEMPLATE, null, List.of("<|im_start|>", "<|im_end|>"))).containsExactly(Capability.COMPLETION);
        assertThat(detect(SMOL_TEMPLATE, null, List.of("<fim_prefix>", "<fim_middle>", "<fim_suffix>")))
                .containsExactly(Capability.COMPLETION, Capability.INSERT);
        assertThat(detect(QWEN_TEMPLATE, null, List.of("<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>")))
                .containsExactly(Capability.COMPLETION, Capability.TOOLS, Capability.INSERT);
        assertThat(detect(QWEN3_TEMPLATE, null, List.of())).containsExactly(Capability.COMPLETION, Capability.TOOLS, Capability.THINKING);
        assertThat(detect(null, null, null)).containsExactly(Capability.COMPLETION);
    }

    @Test
    void aModelfileTemplateDecidesOverTheChatTemplate() {
        assertThat(detect(QWEN3_TEMPLATE, "{{ .System }} {{ .Prompt }}", List.of())).containsExactly(Capability.COMPLETION);
        assertThat(detect(null, "{{ if .Tools }}{{ .Tools }}{{ end }}{{ .Prompt }}", List.of())).contains(Capability.TOOLS);
        assertThat(detect(null, "<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>", List.of())).contains(Capability.INSERT);
        assertThat(detect(null, "{{ if .Think }}<think>{{ end }}{{ .Prompt }}", List.of())).contains(Capability.THINKING);
    }

    @Test
    void wordsThatOnlyContainTheKeywordsDoNotCount() {
        assertThat(detect("{{ toolsmith }} {{ mytools }} <thinking>", null, List.of("<fim_prefix>", "<fim_suffix>")))
                .as("a partial FIM set and look-alike names").containsExactly(Capability.COMPLETION);
        assertThat(detect(null, "{{ .ToolsX }}{{ .Suffixes }}", List.of())).containsExactly(Capability.COMPLETION);
        assertThat(ModelCapabilities.fimTokens(List.of("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>")))
                .hasValueSatisfying(f -> assertThat(f.middle()).isEqualTo("<|fim_middle|>"));
    }
}
