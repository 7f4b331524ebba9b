package dev.bastion.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromptTemplateTest {

    @Test
    void rendersTheCommonOllamaTemplateShapes() {
        String chatml = "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n{{ .Response }}";
        assertThat(PromptTemplate.render(chatml, "be brief", "hi"))
                .isEqualTo("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(PromptTemplate.render(chatml, null, "hi")).isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(PromptTemplate.render("[INST] {{.Prompt}} [/INST]", null, "x")).isEqualTo("[INST] x [/INST]");
    }

    @Test
    void trimMarkersStripWhitespaceLikeGo() {
        assertThat(PromptTemplate.render("A  \n {{- .Prompt -}} \n  B", null, "p")).isEqualTo("ApB");
    }

    @Test
    void rejectsWhatItCannotRenderFaithfully() {
        assertThatThrownBy(() -> PromptTemplate.render("{{ range .Messages }}{{ end }}", null, "x"))
                .isInstanceOf(ApiException.class).hasMessageContaining("range .Messages");
        assertThatThrownBy(() -> PromptTemplate.render("{{ if .System }}a", null, "x")).hasMessageContaining("if without end");
        assertThatThrownBy(() -> PromptTemplate.render("{{ end }}", null, "x")).hasMessageContaining("end without if");
        assertThatThrownBy(() -> PromptTemplate.render("{{ if .System }}{{ if .Prompt }}{{ end }}{{ end }}", null, "x"))
                .hasMessageContaining("nested");
        assertThatThrownBy(() -> PromptTemplate.render("{{ .Secret }}", null, "x")).hasMessageContaining(".Secret");
    }
}
