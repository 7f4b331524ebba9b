package dev.bastion.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the compiled grammars accept, byte by byte, and the schemas they refuse. */
class JsonSchemaGrammarTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Grammar schema(String json) {
        try {
            return JsonSchemaGrammar.compile(JSON.readTree(json));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static GrammarMatcher.State run(Grammar g, String text) {
        GrammarMatcher m = new GrammarMatcher(g);
        return m.step(m.start(), text.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean accepts(Grammar g, String text) {
        return run(g, text).complete();
    }

    private static boolean prefix(Grammar g, String text) {
        return !run(g, text).dead();
    }

    @Test
    void anyObjectIsAnObjectAtTheTopWithAnyValuesInside() {
        Grammar g = JsonSchemaGrammar.anyObject();
        assertThat(accepts(g, "{}")).isTrue();
        assertThat(accepts(g, "{\"a\": [1, -2.5e3, \"x\\n\\u00e9\", true, null, {\"b\": {}}]}")).isTrue();
        assertThat(accepts(g, " {\n  \"k\": \"é😀\"\n}")).isTrue();
        assertThat(prefix(g, "[")).isFalse();
        assertThat(prefix(g, "\"a\"")).isFalse();
        assertThat(prefix(g, "{\"a\":01")).isFalse();
        assertThat(prefix(g, "{\"a\":tru")).isTrue();
        assertThat(accepts(g, "{\"a\":tru")).isFalse();
        assertThat(prefix(g, "{} ")).as("nothing after the value").isFalse();
    }

    @Test
    void stringsRefuseControlCharactersBadEscapesLoneSurrogatesAndBrokenUtf8() {
        Grammar g = schema("{\"type\":\"string\"}");
        assertThat(accepts(g, "\"ok \\\" \\\\ \\/ \\t \\uABCD\"")).isTrue();
        assertThat(prefix(g, "\"a\nb")).isFalse();
        assertThat(prefix(g, "\"\\x")).isFalse();
        assertThat(prefix(g, "\"\\uD800")).isFalse();
        GrammarMatcher m = new GrammarMatcher(g);
        assertThat(m.isDead(m.step(m.start(), new byte[] {'"', (byte) 0xC0, (byte) 0x80}))).as("overlong").isTrue();
        assertThat(m.isDead(m.step(m.start(), new byte[] {'"', (byte) 0xED, (byte) 0xA0}))).as("surrogate").isTrue();
        assertThat(m.isDead(m.step(m.start(), new byte[] {'"', (byte) 0x80}))).as("lone continuation").isTrue();
    }

    @Test
    void requiredPropertiesAlwaysOptionalOnesMaybeInDeclarationOrder() {
        Grammar g = schema("""
                {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},
                 "required":["b"],"additionalProperties":false}""");
        assertThat(accepts(g, "{\"b\":\"x\"}")).isTrue();
        assertThat(accepts(g, "{\"a\":1,\"b\":\"x\",\"c\":true}")).isTrue();
        assertThat(accepts(g, "{\"a\": 1, \"b\": \"\"}")).isTrue();
        assertThat(prefix(g, "{}")).isFalse();
        assertThat(prefix(g, "{\"a\":1}")).isFalse();
        assertThat(prefix(g, "{\"d\"")).as("no extra property").isFalse();
        assertThat(prefix(g, "{\"b\":\"x\",\"a\"")).as("declaration order").isFalse();
        assertThat(prefix(g, "{\"a\":1.5")).as("integer").isFalse();
    }

    @Test
    void additionalPropertiesTrueOrASchemaAllowsMoreMembers() {
        assertThat(accepts(schema("{\"type\":\"object\"}"), "{\"x\":[1,{}],\"y\":null}")).isTrue();
        Grammar g = schema("{\"properties\":{\"a\":{\"type\":\"null\"}},\"additionalProperties\":{\"type\":\"integer\"}}");
        assertThat(accepts(g, "{\"a\":null,\"z\":3}")).isTrue();
        assertThat(prefix(g, "{\"z\":\"s")).isFalse();
        assertThat(prefix(schema("{\"properties\":{\"a\":{}}}"), "{\"b\"")).as("absent: only the listed ones").isFalse();
    }

    @Test
    void arraysHonourItemsAndBounds() {
        Grammar g = schema("{\"type\":\"array\",\"items\":{\"enum\":[\"x\",2]},\"minItems\":2,\"maxItems\":3}");
        assertThat(accepts(g, "[\"x\",2]")).isTrue();
        assertThat(accepts(g, "[2, 2, \"x\"]")).isTrue();
        assertThat(accepts(g, "[2]")).isFalse();
        assertThat(prefix(g, "[2,2,2,")).isFalse();
        assertThat(prefix(g, "[3")).isFalse();
        assertThat(accepts(schema("{\"type\":\"array\",\"maxItems\":0}"), "[]")).isTrue();
    }

    @Test
    void stringLengthsConstAnyOfRefsAndNullable() {
        Grammar s = schema("{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}");
        assertThat(accepts(s, "\"ab\"")).isTrue();
        assertThat(accepts(s, "\"a\\u00e9c\"")).isTrue();
        assertThat(accepts(s, "\"a\"")).isFalse();
        assertThat(prefix(s, "\"abcd")).isFalse();
        assertThat(accepts(schema("{\"const\":{\"k\":[1,\"v\"]}}"), "{\"k\":[1,\"v\"]}")).isTrue();
        Grammar any = schema("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}]}");
        assertThat(accepts(any, "[1,[2,[[]]]]")).as("recursive $ref to the root").isTrue();
        Grammar defs = schema("""
                {"$defs":{"Node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/Node"},{"type":"null"}]}},
                 "required":["v","next"]}},"$ref":"#/$defs/Node"}""");
        assertThat(accepts(defs, "{\"v\":1,\"next\":{\"v\":2,\"next\":null}}")).isTrue();
        Grammar nullable = schema("{\"type\":\"number\",\"nullable\":true}");
        assertThat(accepts(nullable, "null")).isTrue();
        assertThat(accepts(nullable, "-0.5E+12")).isTrue();
        assertThat(accepts(schema("{\"type\":[\"boolean\",\"string\"]}"), "false")).isTrue();
    }

    @Test
    void whitespaceRunsAreBounded() {
        Grammar g = JsonSchemaGrammar.anyObject();
        assertThat(prefix(g, "{" + "\n" + " ".repeat(20))).isTrue();
        assertThat(prefix(g, "{" + "\n" + " ".repeat(21))).isFalse();
        assertThat(prefix(g, "{   ")).isFalse();
        assertThat(prefix(g, "{\n\n\n")).isFalse();
    }

    @Test
    void numbersHaveBoundedDigitsSoOutputEnds() {
        Grammar g = schema("{\"type\":\"integer\"}");
        assertThat(accepts(g, "1234567890123456")).isTrue();
        assertThat(prefix(g, "12345678901234567")).isFalse();
    }

    @Test
    void hostileSchemasAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> schema("{\"$ref\":\"#\"}")).isInstanceOf(InvalidSchemaException.class).hasMessageContaining("no finite JSON value");
        assertThatThrownBy(() -> schema("{\"anyOf\":[{\"$ref\":\"#/$defs/a\"},{\"type\":\"null\"}],\"$defs\":{\"a\":{\"$ref\":\"#\"}}}"))
                .isInstanceOf(InvalidSchemaException.class).hasMessageContaining("cycle");
        assertThatThrownBy(() -> schema("{\"$ref\":\"https://evil.example/schema.json\"}")).isInstanceOf(InvalidSchemaException.class)
                .hasMessageContaining("only local references");
        assertThatThrownBy(() -> schema("{\"$ref\":\"#/$defs/missing\"}")).hasMessageContaining("points at nothing");
        assertThatThrownBy(() -> schema("{\"type\":\"array\",\"minItems\":1000000000}")).hasMessageContaining("minItems");
        assertThatThrownBy(() -> schema("{\"type\":\"string\",\"minLength\":5,\"maxLength\":2}")).hasMessageContaining("maximum is below");
        assertThatThrownBy(() -> schema("{\"type\":\"banana\"}")).hasMessageContaining("not a JSON schema type");
        assertThatThrownBy(() -> schema("{\"properties\":{\"a\":false},\"required\":[\"a\"]}")).hasMessageContaining("false");
        assertThatThrownBy(() -> schema("{\"enum\":[]}")).hasMessageContaining("enum");
        assertThatThrownBy(() -> schema("[1]")).hasMessageContaining("schema object");
        assertThatThrownBy(() -> schema("{\"type\":\"array\",\"items\":".repeat(300) + "{}" + "}".repeat(300)))
                .hasMessageContaining("deeper");
        // Many large bounded arrays: refused as too large instead of growing without limit.
        StringBuilder wide = new StringBuilder("{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < 3000; i++) wide.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"string\",\"minLength\":").append(i % 1000).append(",\"maxLength\":1000}");
        assertThatThrownBy(() -> schema(wide + "}}")).hasMessageContaining("too large");
    }

    @Test
    void aMatcherWhoseCacheStartsOverGivesTheSameAnswers() {
        Grammar g = schema("{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"maxLength\":50},\"n\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}}}}");
        String text = "{\"s\": \"" + "abcdefghij".repeat(5) + "\", \"n\": [1.5, -2, 3e4, 0]}";
        GrammarMatcher small = new GrammarMatcher(g, 4);
        GrammarMatcher large = new GrammarMatcher(g);
        GrammarMatcher.State a = small.start();
        GrammarMatcher.State b = large.start();
        for (byte x : text.getBytes(StandardCharsets.UTF_8)) {
            a = small.step(a, x & 0xff);
            b = large.step(b, x & 0xff);
            assertThat(small.isDead(a)).isEqualTo(large.isDead(b)).isFalse();
            assertThat(small.cachedStates()).isLessThanOrEqualTo(5);
            // Every byte also probed from each state, as the vocabulary walk does.
            for (int probe = 0; probe < 256; probe += 17) assertThat(small.isDead(small.step(a, probe))).isEqualTo(large.isDead(large.step(b, probe)));
        }
        assertThat(a.complete()).isTrue();
        assertThat(small.isDead(small.step(a, '"'))).isTrue();
    }

    @Test
    void schemasWithoutAFiniteValueAreRefusedAndBranchesWithoutOneAreDropped() {
        assertThatThrownBy(() -> schema("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#\"}},\"required\":[\"a\"]}"))
                .isInstanceOf(InvalidSchemaException.class).hasMessageContaining("no finite JSON value");
        Grammar g = schema("""
                {"$defs":{"Endless":{"type":"array","items":{"$ref":"#/$defs/Endless"},"minItems":1}},
                 "anyOf":[{"$ref":"#/$defs/Endless"},{"type":"null"}]}""");
        assertThat(accepts(g, "null")).isTrue();
        assertThat(prefix(g, "[")).as("a branch that could never end is not offered").isFalse();
    }

    @Test
    void largeEnumsStayCheapToMatch() {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 20_000; i++) values.append(i == 0 ? "" : ",").append("\"value").append(i).append("\"");
        Grammar g = schema("{\"enum\":[" + values + "]}");
        GrammarMatcher m = new GrammarMatcher(g);
        GrammarMatcher.State s = m.step(m.start(), "\"value1".getBytes(StandardCharsets.UTF_8));
        assertThat(s.stacks.length).as("literals share their prefixes").isLessThan(20);
        assertThat(accepts(g, "\"value19999\"")).isTrue();
        assertThat(accepts(g, "\"value20000\"")).isFalse();
        // The same through anyOf, which cannot share prefixes: states are capped instead of growing with the schema.
        StringBuilder consts = new StringBuilder();
        for (int i = 0; i < 5_000; i++) consts.append(i == 0 ? "" : ",").append("{\"const\":\"v").append(i).append("\"}");
        Grammar any = schema("{\"anyOf\":[" + consts + "]}");
        GrammarMatcher am = new GrammarMatcher(any);
        GrammarMatcher.State first = am.step(am.start(), '"');
        assertThat(first.stacks.length).isLessThanOrEqualTo(GrammarMatcher.MAX_STACKS);
        assertThat(am.step(first, "v1\"".getBytes(StandardCharsets.UTF_8)).complete()).isTrue();
    }

    @Test
    void unsupportedKeywordsAreIgnored() {
        Grammar g = schema("{\"type\":\"string\",\"format\":\"email\",\"minimum\":3,\"x-custom\":1,\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"}");
        assertThat(accepts(g, "\"A1\"")).isTrue();
        Grammar lookahead = schema("{\"type\":\"string\",\"pattern\":\"^(?=a)\\\\w+$\"}");
        assertThat(accepts(lookahead, "\"anything at all\"")).as("a pattern beyond the supported syntax is ignored").isTrue();
    }

    private static Grammar pattern(String regex) {
        return JsonSchemaGrammar.compile(JSON.createObjectNode().put("type", "string").put("pattern", regex));
    }

    private static boolean matches(Grammar g, String value) {
        return accepts(g, JSON.getNodeFactory().textNode(value).toString());
    }

    @Test
    void anchoredPatternsAreEnforced() {
        Grammar date = pattern("^\\d{4}-\\d{2}-\\d{2}$");
        assertThat(matches(date, "2024-02-29")).isTrue();
        assertThat(matches(date, "2024-2-29")).isFalse();
        assertThat(prefix(date, "\"2024-02-29x")).isFalse();
        Grammar words = pattern("^(red|green|blue)( [A-Z][a-z]*)?$");
        assertThat(matches(words, "green")).isTrue();
        assertThat(matches(words, "blue Sky")).isTrue();
        assertThat(matches(words, "blue sky")).isFalse();
        Grammar negated = pattern("^[^a-c\"]{2,3}$");
        assertThat(matches(negated, "xé")).isTrue();
        assertThat(matches(negated, "x\\y")).as("a backslash, escaped in JSON").isTrue();
        assertThat(matches(negated, "xa")).isFalse();
        assertThat(prefix(negated, "\"x\\\"")).as("the excluded quote").isFalse();
        Grammar han = pattern("^[\\u4e00-\\u9fff]+$");
        assertThat(matches(han, "中文")).isTrue();
        assertThat(matches(han, "中a")).isFalse();
        Grammar dot = pattern("^a.c$");
        assertThat(matches(dot, "a😀c")).isTrue();
        assertThat(matches(dot, "a\tc")).as("a tab, written \\t").isTrue();
        assertThat(matches(dot, "a\nc")).as("no line terminator").isFalse();
    }

    @Test
    void unanchoredPatternsMatchAnywhere() {
        Grammar g = pattern("ab+c");
        assertThat(matches(g, "xxabbbcyy")).isTrue();
        assertThat(matches(g, "abc")).isTrue();
        assertThat(matches(g, "ac")).isFalse();
    }

    @Test
    void patternsThatWouldLoopOrExplodeAreHandled() {
        assertThat(matches(pattern("^(a*)*$"), "zzz")).as("unbounded repetition of an optional part: ignored").isTrue();
        assertThat(matches(pattern("^(a|b)\\1$"), "zz")).as("backreference: ignored").isTrue();
        Grammar nested = pattern("^((a{1000}){1000}){1000}$");
        assertThat(nested.size()).as("groups are rules, so nested bounds do not multiply").isLessThan(20_000);
        assertThat(prefix(nested, "\"aaaa")).isTrue();
        assertThat(accepts(nested, "\"a\"")).isFalse();
        assertThat(matches(pattern("^a{1001}$"), "b")).as("a bound above 1000: ignored").isTrue();
    }
}
