package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatPromptTest {

    private static final List<ChatMessage> HELLO = List.of(new ChatMessage("user", "hello"));

    @Test
    void theRequestTemplateWinsThenTheModelsThenTheChatTemplate() {
        assertThat(ChatPrompt.of("R {{ .Prompt }}", "M {{ .Prompt }}").render(m -> "HF", HELLO)).isEqualTo("R hello");
        assertThat(ChatPrompt.of("", "M {{ .Prompt }}").render(m -> "HF", HELLO)).isEqualTo("M hello");
        assertThat(ChatPrompt.of(null, null).render(m -> "HF " + m.size(), HELLO)).isEqualTo("HF 1");
    }

    @Test
    void anUnrenderableTemplateNamesWhoseItIs() {
        assertThatThrownBy(() -> ChatPrompt.of("{{ range .Messages }}{{ end }}", null))
                .isInstanceOfSatisfying(PromptTemplateException.class, e -> {
                    assertThat(e.source()).isEqualTo(PromptTemplateException.Source.REQUEST);
                    assertThat(e.reason()).contains("'{{ range .Messages }}'");
                });
        assertThatThrownBy(() -> ChatPrompt.of(null, "{{ range .Messages }}{{ end }}"))
                .isInstanceOf(PromptTemplateException.class)
                .hasMessageStartingWith("the model's TEMPLATE cannot be used: ");
    }
}
