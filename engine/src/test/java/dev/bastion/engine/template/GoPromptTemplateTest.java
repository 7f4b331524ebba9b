package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class GoPromptTemplateTest {

    /** Ollama's ChatML template: text follows .Response, so earlier turns are closed and the last one is cut. */
    private static final GoPromptTemplate CHATML = GoPromptTemplate.parse("{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
            + "{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response }}<|im_end|>\n");

    private static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    private static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    private static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    @Test
    void rendersASinglePromptCuttingAfterResponse() {
        assertThat(CHATML.render("be brief", "hi"))
                .isEqualTo("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(CHATML.render(null, "hi")).isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(GoPromptTemplate.parse("[INST] {{.Prompt}} [/INST]").render(null, "x")).isEqualTo("[INST] x [/INST]");
    }

    @Test
    void rendersEachEarlierTurnWholeWithTheSystemOnlyOnTheFirst() {
        String prompt = CHATML.render(List.of(system("S"), user("u1"), assistant("a1"), user("u2"), assistant("a2"), user("u3")));
        assertThat(prompt).isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nu1<|im_end|>\n<|im_start|>assistant\na1<|im_end|>\n"
                + "<|im_start|>user\nu2<|im_end|>\n<|im_start|>assistant\na2<|im_end|>\n"
                + "<|im_start|>user\nu3<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void followsOllamaOnMergedRolesTrailingAssistantAndToolMessages() {
        GoPromptTemplate t = GoPromptTemplate.parse("<{{ .System }}|{{ .Prompt }}|{{ .Response }}>");
        assertThat(t.render(List.of(user("a"), user("b"), new ChatMessage("tool", "ignored"), assistant("c"))))
                .as("same-role messages join with a blank line; a trailing assistant reply is continued")
                .isEqualTo("<|a\n\nb|c");
        assertThat(t.render(List.of(user("a"), assistant("b"), system("late"), user("c"))))
                .as("a later system message starts a new turn")
                .isEqualTo("<|a|b><late|c|");
    }

    @Test
    void cutsAfterResponseEvenInsideAnUntakenBranch() {
        GoPromptTemplate t = GoPromptTemplate.parse("{{ if .System }}[{{ .Response }}]{{ end }}tail");
        assertThat(t.render(null, "p")).isEmpty();
        assertThat(t.render("s", "p")).isEqualTo("[");
    }

    /** Ollama's deleteNode: the field stays, what follows it goes from its block and every enclosing one. */
    @Test
    void theCutFollowsOllamaThroughNestedBlocks() {
        GoPromptTemplate t = GoPromptTemplate.parse("""
                {{- if .Suffix }}<PRE>{{ .Prompt }}<SUF>{{ .Suffix }}<MID>
                {{- else }}{{ if .System }}{{ .System }}

                {{ end }}{{ if .Prompt }}User: {{ .Prompt }}

                {{ end }}Assistant:{{ with .Response }} {{ . }}{{ end }}{{ .Response }}<|end|>{{ end }} tail""");
        assertThat(t.render(List.of(system("S"), user("u1"), assistant("a1"), user("u2"))))
                .isEqualTo("S\n\nUser: u1\n\nAssistant: a1a1<|end|> tailUser: u2\n\nAssistant:");
        assertThat(t.render(List.of(user("def f("), assistant("x"))))
                .as("a trailing reply is continued").isEqualTo("User: def f(\n\nAssistant: xx");
        assertThat(t.render(List.of(user("def f(")), new PromptOptions(null, null, "return 1"), RenderBudget.standard()))
                .as("with a suffix: the whole template once on .Prompt and .Suffix").isEqualTo("<PRE>def f(<SUF>return 1<MID> tail");
        assertThat(GoPromptTemplate.parse("{{ .System | printf \"<%s>\" }}{{ .Prompt }}{{ print .Response \"!\" }}rest").render("s", "p"))
                .as("a .Response argument ends the pipeline there").isEqualTo("<s>p");
    }

    @Test
    void trimMarkersStripWhitespaceLikeGo() {
        assertThat(GoPromptTemplate.parse("A  \n {{- .Prompt -}} \n  B").render(null, "p")).isEqualTo("ApB");
    }

    @Test
    void refusesWhatItCannotRenderFaithfullyNamingTheConstruct() {
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ range .Tools }}{{ end }}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'{{ range .Tools }}'");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ if .System }}a")).hasMessageContaining("an if without end");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ end }}")).hasMessageContaining("an end without if");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ .Secret }}")).hasMessageContaining("'{{ .Secret }}'");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ if .System }}{{ $.Tools }}{{ end }}")).hasMessageContaining("'{{ $.Tools }}'");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ define \"x\" }}{{ end }}")).hasMessageContaining("define");
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ \u0000" + "x".repeat(100) + " }}"))
                .hasMessageContaining("?xxx").hasMessageContaining("…").hasMessageNotContaining("x".repeat(100));
        assertThatThrownBy(() -> GoPromptTemplate.parse("{{ .Prompt }} {{ .System")).hasMessageContaining("never closed");
    }

    @Test
    void hostileInputFailsInLinearTime() {
        // Inputs just under the template size limit (a quadratic scan of them would take minutes).
        String braces = "{{".repeat(1 << 16);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThatThrownBy(() -> GoPromptTemplate.parse(braces)).hasMessageContaining("never closed");
            assertThatThrownBy(() -> GoPromptTemplate.parse("{{ .Prompt }}" + "{{ .Prompt }".repeat(1 << 14))).isInstanceOf(IllegalArgumentException.class);
            GoPromptTemplate many = GoPromptTemplate.parse("{{- .Prompt -}}".repeat(1 << 14));
            assertThat(many.render(null, "ab")).hasSize(2 << 14);
        });
    }
}
