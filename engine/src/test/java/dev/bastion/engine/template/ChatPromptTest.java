package dev.bastion.engine.template;

import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatPromptTest {

    private static final List<ChatMessage> HELLO = List.of(new ChatMessage("user", "hello"));

    @TempDir
    static Path tmp;
    private static LocalModelRuntime runtime;

    @BeforeAll
    static void load() throws IOException {
        runtime = LocalModelRuntime.load(TinyModelFixture.tinyModel(tmp.resolve("m"), Architecture.QWEN2));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void theRequestTemplateWinsThenTheModelsThenTheChatTemplate() {
        assertThat(ChatPrompt.of("R {{ .Prompt }}", "M {{ .Prompt }}").render(runtime, HELLO)).isEqualTo("R hello");
        assertThat(ChatPrompt.of("", "M {{ .Prompt }}").render(runtime, HELLO)).isEqualTo("M hello");
        assertThat(ChatPrompt.of(null, null).render(runtime, HELLO)).isEqualTo(runtime.renderChat(HELLO));
    }

    @Test
    void anUnrenderableTemplateNamesWhoseItIs() {
        assertThatThrownBy(() -> ChatPrompt.of("{{ range .Tools }}{{ end }}", null))
                .isInstanceOfSatisfying(PromptTemplateException.class, e -> {
                    assertThat(e.source()).isEqualTo(PromptTemplateException.Source.REQUEST);
                    assertThat(e.reason()).contains("'{{ range .Tools }}'");
                    assertThat(e.limit()).isNull();
                });
        assertThatThrownBy(() -> ChatPrompt.of(null, "{{ range .Tools }}{{ end }}"))
                .isInstanceOf(PromptTemplateException.class)
                .hasMessageStartingWith("the model's TEMPLATE cannot be used: ");
    }
}
