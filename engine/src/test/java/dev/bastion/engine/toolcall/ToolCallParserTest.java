package dev.bastion.engine.toolcall;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Recorded replies in each family's documented tool-call format, whole, split into pieces, and malformed. */
class ToolCallParserTest {

    /** What a parser gave for a reply fed in pieces of {@code pieceLength} characters. */
    private record Parsed(String content, List<String> calls, List<ToolCallParser.Event> events) {}

    private static Parsed parse(ToolCallFormat format, String reply, int pieceLength) {
        ToolCallParser parser = new ToolCallParser(format);
        List<ToolCallParser.Event> events = new ArrayList<>();
        for (int i = 0; i < reply.length(); i += pieceLength) {
            events.addAll(parser.feed(reply.substring(i, Math.min(reply.length(), i + pieceLength))));
        }
        events.addAll(parser.finish());
        StringBuilder content = new StringBuilder();
        List<String> calls = new ArrayList<>();
        for (ToolCallParser.Event e : events) {
            switch (e) {
                case ToolCallParser.Text t -> content.append(t.text());
                case ToolCallParser.Call c -> calls.add(c.call().name() + c.call().arguments());
            }
        }
        return new Parsed(content.toString(), calls, events);
    }

    /** The same result whatever the pieces the reply streams in. */
    private static Parsed parseEveryWay(ToolCallFormat format, String reply) {
        Parsed whole = parse(format, reply, Integer.MAX_VALUE);
        for (int n : new int[] {1, 2, 3, 7}) {
            Parsed split = parse(format, reply, n);
            assertThat(split.content()).as("content in pieces of " + n).isEqualTo(whole.content());
            assertThat(split.calls()).as("calls in pieces of " + n).isEqualTo(whole.calls());
        }
        return whole;
    }

    // Qwen2.5's documented reply with parallel calls (qwen.readthedocs.io, "Function Calling", Hermes-style template).
    private static final String QWEN_PARALLEL = """
            <tool_call>
            {"name": "get_current_temperature", "arguments": {"location": "San Francisco, CA, USA"}}
            </tool_call>
            <tool_call>
            {"name": "get_temperature_date", "arguments": {"location": "San Francisco, CA, USA", "date": "2024-10-01"}}
            </tool_call>""";

    @Test
    void qwenParallelCalls() {
        Parsed p = parseEveryWay(ToolCallFormat.HERMES, QWEN_PARALLEL);
        assertThat(p.calls()).containsExactly(
                "get_current_temperature{\"location\":\"San Francisco, CA, USA\"}",
                "get_temperature_date{\"location\":\"San Francisco, CA, USA\",\"date\":\"2024-10-01\"}");
        assertThat(p.content()).as("the newline between and after blocks is no content").isEmpty();
    }

    // Hermes-2-Pro's documented reply (NousResearch/Hermes-Function-Calling README): "arguments" before "name".
    @Test
    void hermesCallAfterText() {
        Parsed p = parseEveryWay(ToolCallFormat.HERMES,
                "Let me look that up.\n<tool_call>\n{\"arguments\": {\"symbol\": \"TSLA\"}, \"name\": \"get_stock_fundamentals\"}\n</tool_call>");
        assertThat(p.content()).isEqualTo("Let me look that up.\n");
        assertThat(p.calls()).containsExactly("get_stock_fundamentals{\"symbol\":\"TSLA\"}");
    }

    @Test
    void textBeforeTheMarkerStreamsAtOnceAndTheCallWhenComplete() {
        ToolCallParser parser = new ToolCallParser(ToolCallFormat.HERMES);
        assertThat(parser.feed("Checking")).containsExactly(new ToolCallParser.Text("Checking"));
        assertThat(parser.feed(" now <tool")).as("a possible marker start is held").containsExactly(new ToolCallParser.Text(" now "));
        assertThat(parser.feed("_call>{\"name\": \"f\", ")).isEmpty();
        List<ToolCallParser.Event> closed = parser.feed("\"arguments\": {}}</tool_call>");
        assertThat(closed).singleElement().isInstanceOfSatisfying(ToolCallParser.Call.class,
                c -> assertThat(c.call().name()).isEqualTo("f"));
        assertThat(parser.finish()).isEmpty();
    }

    @Test
    void aHeldMarkerPrefixThatIsNotAMarkerIsContent() {
        Parsed p = parseEveryWay(ToolCallFormat.HERMES, "a <tool> tag, <tool_c");
        assertThat(p.calls()).isEmpty();
        assertThat(p.content()).isEqualTo("a <tool> tag, <tool_c");
    }

    @Test
    void malformedHermesBlocksAreContent() {
        for (String reply : List.of(
                "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}\n</tool_call>",     // unbalanced brace
                "<tool_call>{\"arguments\": {}}</tool_call>",                               // no name
                "<tool_call>{\"name\": \"\", \"arguments\": {}}</tool_call>",               // blank name
                "<tool_call>{\"name\": \"f\", \"arguments\": [1, 2]}</tool_call>",          // arguments not an object
                "<tool_call>{\"name\": \"f\"} trailing</tool_call>",                         // text after the JSON
                "<tool_call>" + "[".repeat(10_000) + "</tool_call>",                         // absurdly deep
                "<tool_call>{\"name\": \"f\", \"arguments\": {}")) {                         // cut off mid-JSON
            Parsed p = parseEveryWay(ToolCallFormat.HERMES, reply);
            assertThat(p.calls()).as(reply).isEmpty();
            assertThat(p.content()).as(reply).isEqualTo(reply);
        }
    }

    @Test
    void aWholeBlockTheModelNeverClosedIsACall() {
        Parsed p = parseEveryWay(ToolCallFormat.HERMES, "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": \"y\"}}\n");
        assertThat(p.calls()).containsExactly("f{\"x\":\"y\"}");
    }

    @Test
    void argumentsGivenAsAJsonStringAreTheObjectTheyHold() {
        Parsed p = parseEveryWay(ToolCallFormat.HERMES, "<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>");
        assertThat(p.calls()).containsExactly("f{\"a\":1}");
    }

    // Llama 3.1/3.2's documented JSON tool call (llama.com, "Llama 3.1 prompt format", JSON based tool calling):
    // the reply is the call alone, ended by <|eot_id|> (removed as an end-of-turn token before parsing).
    @Test
    void llamaJsonReply() {
        Parsed p = parseEveryWay(ToolCallFormat.LLAMA,
                "{\"name\": \"get_current_conditions\", \"parameters\": {\"location\": \"San Francisco, CA\", \"unit\": \"Fahrenheit\"}}");
        assertThat(p.calls()).containsExactly("get_current_conditions{\"location\":\"San Francisco, CA\",\"unit\":\"Fahrenheit\"}");
        assertThat(p.content()).isEmpty();
    }

    @Test
    void llamaPythonTagCallsSeparatedBySemicolons() {
        Parsed p = parseEveryWay(ToolCallFormat.LLAMA,
                "<|python_tag|>{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"parameters\": {}}<|eom_id|>");
        assertThat(p.calls()).containsExactly("a{\"x\":1}", "b{}");
    }

    // A built-in tool call (llama.com, Llama 3.1: <|python_tag|>brave_search.call(query="…")) is Python, not JSON.
    @Test
    void llamaBuiltInToolCallIsContent() {
        String reply = "<|python_tag|>brave_search.call(query=\"current weather in Menlo Park, California\")<|eom_id|>";
        Parsed p = parseEveryWay(ToolCallFormat.LLAMA, reply);
        assertThat(p.calls()).isEmpty();
        assertThat(p.content()).isEqualTo(reply);
    }

    @Test
    void llamaJsonThatIsNoCallIsContent() {
        for (String reply : List.of("{\"answer\": 42}", "{\"name\": \"f\", \"parameters\": {} ", "[1, 2, 3]", "{not json}")) {
            Parsed p = parseEveryWay(ToolCallFormat.LLAMA, reply);
            assertThat(p.calls()).as(reply).isEmpty();
            assertThat(p.content()).as(reply).isEqualTo(reply);
        }
    }

    @Test
    void plainTextIsContentUntouched() {
        String reply = "  The weather in Paris is sunny; {braces} and [brackets] inside text stay.";
        Parsed p = parseEveryWay(ToolCallFormat.LLAMA, reply);
        assertThat(p.calls()).isEmpty();
        assertThat(p.content()).isEqualTo(reply);
    }

    // Mistral-7B-Instruct-v0.3 (tokenizer before v11), as vLLM's tests/tool_parsers/test_mistral_tool_parser.py records it.
    @Test
    void mistralJsonArray() {
        Parsed p = parseEveryWay(ToolCallFormat.MISTRAL,
                "[TOOL_CALLS] [{\"name\": \"get_current_weather\", \"arguments\": {\"city\": \"Dallas\", \"state\": \"TX\", \"unit\": \"fahrenheit\"}, \"id\": \"abcdefghi\"}, {\"name\": \"add\", \"arguments\": {\"a\": 3.5, \"b\": 4}}]");
        assertThat(p.calls()).containsExactly("get_current_weather{\"city\":\"Dallas\",\"state\":\"TX\",\"unit\":\"fahrenheit\"}",
                "add{\"a\":3.5,\"b\":4}");
        List<String> ids = p.events().stream().map(e -> ((ToolCallParser.Call) e).call().id()).toList();
        assertThat(ids).as("the model's call ids are kept").containsExactly("abcdefghi", null);
    }

    // Mistral Small 3.2 / Devstral (tokenizer v11+): one [TOOL_CALLS]name[ARGS]{…} per call.
    @Test
    void mistralNameArgsForm() {
        Parsed p = parseEveryWay(ToolCallFormat.MISTRAL,
                "[TOOL_CALLS]get_current_weather[ARGS]{\"city\": \"San Francisco\"}[TOOL_CALLS]add[ARGS]{\"a\": 1, \"b\": 2}");
        assertThat(p.calls()).containsExactly("get_current_weather{\"city\":\"San Francisco\"}", "add{\"a\":1,\"b\":2}");
        assertThat(parseEveryWay(ToolCallFormat.MISTRAL, "[TOOL_CALLS]add{\"a\": 1}").calls()).containsExactly("add{\"a\":1}");
    }

    @Test
    void malformedMistralIsContent() {
        for (String reply : List.of("[TOOL_CALLS] [{\"name\": \"f\"", "[TOOL_CALLS]f[ARGS]not json", "[TOOL_CALLS]",
                "[TOOL_CALLS][ARGS]{}", "Sure. [TOOL_CALLS] nothing")) {
            Parsed p = parseEveryWay(ToolCallFormat.MISTRAL, reply);
            assertThat(p.calls()).as(reply).isEmpty();
            assertThat(p.content()).as(reply).isEqualTo(reply);
        }
    }

    @Test
    void anyFormatAcceptsEveryFamily() {
        assertThat(parseEveryWay(ToolCallFormat.ANY, QWEN_PARALLEL).calls()).hasSize(2);
        assertThat(parseEveryWay(ToolCallFormat.ANY, "[TOOL_CALLS]f[ARGS]{}").calls()).containsExactly("f{}");
        assertThat(parseEveryWay(ToolCallFormat.ANY, "{\"name\": \"f\", \"parameters\": {}}").calls()).containsExactly("f{}");
    }

    @Test
    void aFamilysMarkersAreOnlyItsOwn() {
        String reply = "[TOOL_CALLS]f[ARGS]{}";
        assertThat(parseEveryWay(ToolCallFormat.HERMES, reply).content()).isEqualTo(reply);
    }

    @Test
    void formatDetectedFromTemplateThenVocabulary() {
        assertThat(ToolCallFormat.detect("{{- '<tool_call>\\n' }}", t -> false)).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.detect("{{- '[TOOL_CALLS]' }}", t -> false)).isEqualTo(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.detect("{{- '<|python_tag|>' }}", t -> false)).isEqualTo(ToolCallFormat.LLAMA);
        assertThat(ToolCallFormat.detect("{{ messages }}", "[TOOL_CALLS]"::equals)).isEqualTo(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.detect(null, "<|python_tag|>"::equals)).isEqualTo(ToolCallFormat.LLAMA);
        assertThat(ToolCallFormat.detect("{{ messages }}", t -> false)).isEqualTo(ToolCallFormat.ANY);
    }
}
