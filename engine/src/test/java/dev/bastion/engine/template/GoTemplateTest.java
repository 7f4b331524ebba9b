package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.toolcall.ToolCall;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * TEMPLATEs that range over .Messages (Ollama's tool-calling templates), rendered as Go's text/template renders them on
 * Ollama's data. The expected strings follow Go's rules: trim markers, struct fields in order, map keys sorted.
 */
class GoTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A ChatML template with tools in the style of Ollama's Qwen2.5 TEMPLATE (written for this test). */
    private static final String CHATML_TOOLS = """
            {{- if .Messages }}
            {{- if or .System .Tools }}<|im_start|>system
            {{- if .System }}
            {{ .System }}
            {{- end }}
            {{- if .Tools }}
            <tools>
            {{- range .Tools }}
            {"type": "function", "function": {{ .Function }}}
            {{- end }}
            </tools>
            {{- end }}<|im_end|>
            {{ end }}
            {{- range $i, $_ := .Messages }}
            {{- $last := eq (len (slice $.Messages $i)) 1 -}}
            {{- if eq .Role "user" }}<|im_start|>user
            {{ .Content }}<|im_end|>
            {{ else if eq .Role "assistant" }}<|im_start|>assistant
            {{ if .Content }}{{ .Content }}
            {{- else if .ToolCalls }}{{ range .ToolCalls }}<tool_call>
            {"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
            </tool_call>{{ end }}
            {{- end }}{{ if not $last }}<|im_end|>
            {{ end }}
            {{- else if eq .Role "tool" }}<|im_start|>user
            <tool_response>
            {{ .Content }}
            </tool_response><|im_end|>
            {{ end }}
            {{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
            {{ end }}
            {{- end }}
            {{- else }}{{ .Prompt }}{{ end }}""";

    private static String render(String template, List<ChatMessage> messages, List<JsonNode> tools) {
        return GoPromptTemplate.parse(template).render(messages, tools, RenderBudget.standard());
    }

    private static JsonNode weatherTool() throws Exception {
        return JSON.readTree("""
                {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                 "parameters": {"type": "object", "properties": {"unit": {"type": "string", "enum": ["c", "f"]},
                 "city": {"description": "A city", "type": "string"}}, "required": ["city"]}}}""");
    }

    @Test
    void rendersToolsCallsAndResultsAsOllamaDoes() throws Exception {
        List<ChatMessage> messages = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Weather in Paris?"),
                ChatMessage.assistantCalls("", List.of(new ToolCall(null, "get_weather", (ObjectNode) JSON.readTree("{\"unit\": \"c\", \"city\": \"Paris\"}")))),
                ChatMessage.toolResult("get_weather", null, "21 C"));
        assertThat(render(CHATML_TOOLS, messages, List.of(weatherTool()))).isEqualTo("""
                <|im_start|>system
                Be brief.
                <tools>
                {"type": "function", "function": {"name":"get_weather","description":"Weather in a city","parameters":\
                {"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"A city"},\
                "unit":{"type":"string","enum":["c","f"]}}}}}
                </tools><|im_end|>
                <|im_start|>user
                Weather in Paris?<|im_end|>
                <|im_start|>assistant
                <tool_call>
                {"name": "get_weather", "arguments": {"city":"Paris","unit":"c"}}
                </tool_call><|im_end|>
                <|im_start|>user
                <tool_response>
                21 C
                </tool_response><|im_end|>
                <|im_start|>assistant
                """);
    }

    @Test
    void withoutToolsOrSystemTheSystemTurnIsLeftOut() {
        assertThat(render(CHATML_TOOLS, List.of(new ChatMessage("user", "Hi")), List.of()))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void consecutiveMessagesOfOneRoleAreJoinedAndEverySystemMessageIsInSystem() {
        String t = "{{ .System }}|{{ range .Messages }}{{ .Role }}={{ .Content }};{{ end }}";
        assertThat(render(t, List.of(new ChatMessage("system", "a"), new ChatMessage("user", "u1"), new ChatMessage("user", "u2"),
                new ChatMessage("system", "b")), List.of())).isEqualTo("a\n\nb|system=a;user=u1\n\nu2;system=b;");
    }

    @Test
    void goConstructs() {
        List<ChatMessage> m = List.of(new ChatMessage("user", "x"), new ChatMessage("assistant", "y"));
        String t = """
                {{- /* a comment */ -}}
                {{ $n := len .Messages }}{{ $n }} {{ $n = 5 }}{{ $n }} \
                {{ range $k, $v := .Messages }}{{ $k }}:{{ $v.Role }}{{ else }}none{{ end }} \
                {{ range .Tools }}t{{ else }}no tools{{ end }} \
                {{ with .System }}sys{{ else }}no system{{ end }} \
                {{ if eq .Messages "a" "b" }}1{{ else if eq (index .Messages 1).Role "assistant" "user" }}2{{ else }}3{{ end }} \
                {{ and 1 0 2 }}{{ or 0 "" "z" }}{{ not true }} {{ lt 1 2 }}{{ ge "b" "a" }} \
                {{ print "p" 1 true }} {{ json (slice .Messages 1) }} {{ .Missing }}{{ .Messages | len }} {{ `raw\\n` }}""";
        assertThat(render(t, m, List.of())).isEqualTo("2 5 0:user1:assistant no tools no system 2 0zfalse truetrue "
                + "p1 true [{\"role\":\"assistant\",\"content\":\"y\"}] 2 raw\\n");
    }

    @Test
    void printfBreakContinueElseWithAndMapsInKeyOrder() {
        List<ChatMessage> m = List.of(new ChatMessage("system", "s1"), new ChatMessage("user", "u"),
                new ChatMessage("assistant", "a"), new ChatMessage("user", "stop"), new ChatMessage("user2", "never"));
        String t = """
                {{- range .Messages }}{{ if eq .Role "system" }}{{ continue }}{{ end }}{{ if eq .Content "stop" }}{{ break }}{{ end }}\
                {{ printf "[%s:%5s|%-3d|%03d|%q|%v|%t|%.2f|%%]" .Role .Content 7 -7 .Content true false 1.5 }}{{ end }}
                {{ with .Tools }}tools{{ else with .System }}system={{ . }}{{ else }}none{{ end }}
                {{ range $k, $v := (index .Messages 1) }}{{ $k }}={{ $v }};{{ end }}
                {{ printf "%d %s" "x" }} {{ printf "%s" 1 2 }}""";
        assertThat(render(t, m, List.of())).isEqualTo("""
                [user:    u|7  |-07|"u"|true|false|1.50|%][assistant:    a|7  |-07|"a"|true|false|1.50|%]
                system=s1
                content=u;role=user;
                %!d(string=x) %!s(MISSING) 1%!(EXTRA 2)""");
    }

    @Test
    void aStringDoubledInAVariableIsCutOffByTheOutputCap() {
        List<ChatMessage> many = new java.util.ArrayList<>();
        for (int k = 0; k < 64; k++) many.add(new ChatMessage(k % 2 == 0 ? "user" : "assistant", "m"));
        for (String t : List.of("{{ $s := \"xx\" }}{{ range .Messages }}{{ $s = print $s $s }}{{ end }}",
                "{{ $s := \"xx\" }}{{ range .Messages }}{{ $s = printf \"%s%s\" $s $s }}{{ end }}",
                "{{ .Messages }}{{ printf \"%999999999999s\" \"x\" }}")) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> render(t, many, List.of()))
                    .as(t).isInstanceOf(TemplateBudgetExceededException.class));
        }
    }

    @Test
    void constructsOutsideTheSupportedPartAreRefusedWhenParsing() {
        for (String t : List.of("{{ .Messages }}{{ define \"x\" }}{{ end }}", "{{ .Messages }}{{ template \"x\" }}",
                "{{ .Messages }}{{ call .System }}", "{{ .Messages }}{{ break }}",
                "{{ .Messages }}{{ range .Messages }}{{ with .Role }}{{ continue 1 }}{{ end }}{{ end }}", "{{ range .Messages }}", "{{ .Messages }}{{ end }}",
                "{{ .Messages }}{{ if .System }}{{ else .Prompt }}{{ end }}", "{{ .Messages }}{{ \"unclosed }}",
                "{{ .Messages }}{{ .System", "{{ .Messages }}" + "{{ (".repeat(200) + "1" + ")".repeat(200) + " }}",
                "{{ .Messages }}" + "{{ if 1 }}".repeat(200) + "{{ end }}".repeat(200))) {
            assertThatThrownBy(() -> GoPromptTemplate.parse(t)).as(t).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unsupported template construct");
        }
    }

    @Test
    void runtimeErrorsAreIllegalArguments() {
        assertThatThrownBy(() -> render("{{ .Messages }}{{ $nope }}", List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("undefined variable $nope");
        assertThatThrownBy(() -> render("{{ .Messages }}{{ slice .Messages 5 }}", List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
    }

    @Test
    void aHostileTemplateRunsOutOfItsBudget() {
        String t = "{{ range .Messages }}" + "{{ range $.Messages }}".repeat(6) + "xxxxxxxx" + "{{ end }}".repeat(7);
        List<ChatMessage> many = new java.util.ArrayList<>();
        for (int k = 0; k < 40; k++) many.add(new ChatMessage(k % 2 == 0 ? "user" : "assistant", "m")); // not joined
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> render(t, many, List.of()))
                .isInstanceOf(TemplateBudgetExceededException.class));
    }

    @Test
    void toolsNeedATemplateThatRangesOverMessages() throws Exception {
        JsonNode tool = weatherTool();
        assertThat(GoPromptTemplate.parse(CHATML_TOOLS).takesTools()).isTrue();
        GoPromptTemplate legacy = GoPromptTemplate.parse("{{ .Prompt }}");
        assertThat(legacy.takesTools()).isFalse();
        assertThatThrownBy(() -> legacy.render(List.of(new ChatMessage("user", "x")), List.of(tool), RenderBudget.standard()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
