package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;

class PythonSyntaxTest {

    /** Templates come with downloaded models; the raw-block lookup once rescanned the rest of the source at every char. */
    @Test
    void rewritingALargeTemplateIsLinear() {
        String source = "{{ f(a=1) }} text {% if x %}y{% endif %}\n".repeat(8_000) + "{% raw %}{{ f(a=1) }}{% endraw %}";
        String expected = "{{ f(a=(1)) }} text {% if x %}y{% endif %}\n".repeat(8_000) + "{% raw %}{{ f(a=1) }}{% endraw %}";
        String rewritten = assertTimeout(Duration.ofSeconds(3), () -> PythonSyntax.rewrite(source));
        assertThat(rewritten).isEqualTo(expected);
    }

    @Test
    void negatedTestsBindTheTestFirstAsJinjaDoes() {
        assertThat(PythonSyntax.rewrite("{%- if not tools is none %}{{ 'not x is none' }}{% if a and not m.b is defined %}"))
                .isEqualTo("{%- if tools is not none %}{{ 'not x is none' }}{% if a and m.b is not defined %}");
        assertThat(PythonSyntax.rewrite("{% if not x is not none %}{% if cannot is none %}{% if not n is divisibleby(3) %}"))
                .as("already negated, a name ending in 'not', a test with arguments: unchanged")
                .isEqualTo("{% if not x is not none %}{% if cannot is none %}{% if not n is divisibleby(3) %}");
    }

    @Test
    void wrapsEveryKeywordValueOfACall() {
        assertThat(PythonSyntax.rewrite("{% set ns = namespace(a=true, b=messages|length - 1) %}"))
                .isEqualTo("{% set ns = namespace(a=(true), b=(messages|length - 1)) %}");
        assertThat(PythonSyntax.rewrite("{{ x | tojson(indent=2) }}{{ f(g(k=1 + 2), [1, 2], d={'a': (1, 2)}) }}"))
                .isEqualTo("{{ x | tojson(indent=(2)) }}{{ f(g(k=(1 + 2)), [1, 2], d=({'a': (1, 2)})) }}");
    }

    @Test
    void leavesComparisonsAssignmentsTextCommentsStringsAndRawBlocksAlone() {
        String source = "f(a=1) {# f(a=1) #}{% set x = 1 %}{{ f(a == 1, 'b=2', \"(c=3\") }}{% if x >= 1 and x != 2 %}{% endif %}"
                + "{% raw %}{{ f(a=1) }}{% endraw %}";
        assertThat(PythonSyntax.rewrite(source)).isEqualTo(source);
    }

    @Test
    void turnsTheReversingSliceIntoTheReverseFilter() {
        assertThat(PythonSyntax.rewrite("{% for m in messages[::-1] %}{{ '[::-1]' }}{% endfor %}"))
                .isEqualTo("{% for m in messages|reverse %}{{ '[::-1]' }}{% endfor %}");
        String source = "{% for m in messages[::-1] %}{{ loop.index0 }}{{ m.content }}{% endfor %}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), false))
                .isEqualTo("0b1a");
    }

    @Test
    void givesQwen3sNamespaceTheWholeExpression() {
        String source = "{% set ns = namespace(first=true, last=messages|length - 1) %}{{ ns.first }} {{ ns.last }}";
        assertThat(new ChatTemplate(source, "", "").render(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), false))
                .isEqualTo("true 1");
    }
}
