package dev.bastion.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.bastion.engine.grammar.GrammarBuilder.concat;
import static dev.bastion.engine.grammar.GrammarBuilder.ref;
import static dev.bastion.engine.grammar.GrammarBuilder.seq;

/**
 * Compiles Ollama's {@code format} (the string "json" or a JSON schema) into a byte {@link Grammar} whose sentences
 * are the JSON texts the schema accepts, written compactly with bounded whitespace (like llama.cpp's
 * json-schema-to-grammar).
 * <p>
 * Supported: {@code type} (one or a list), {@code nullable}, {@code properties} (emitted in their order; required ones
 * always, others optionally), {@code required}, {@code additionalProperties} (absent means none when properties are
 * listed, any when not), {@code items}, {@code minItems}/{@code maxItems}, {@code minLength}/{@code maxLength},
 * {@code enum}, {@code const}, {@code anyOf}/{@code oneOf} (alternatives; oneOf's exclusivity is not enforced),
 * {@code allOf} (properties merged), {@code $ref} to {@code #}, {@code #/$defs/..}, {@code #/definitions/..} (recursion
 * allowed), {@code pattern} (see {@link RegexGrammar}; a pattern it cannot express is ignored, and a pattern it can
 * replaces the string's length bounds). Other keywords ({@code format}, {@code minimum}, {@code uniqueItems}, ...) are ignored:
 * the output still has the right shape but may break them. Bounds above {@link #MAX_BOUND} are not enforced (maximums)
 * or refused (minimums); integers have at most 16 digits, fractions 16, exponents 2.
 */
public final class JsonSchemaGrammar {

    /** The largest minItems/minLength/maxItems/maxLength unrolled into the grammar. */
    public static final int MAX_BOUND = 1000;
    static final int MAX_ELEMENTS = 2_000_000;
    static final int MAX_DEPTH = 128;
    private static final int MAX_WHITESPACE = 20;
    private static final int MAX_QUOTED = 80;

    private final GrammarBuilder b = new GrammarBuilder(MAX_ELEMENTS);
    private final JsonNode root;
    private final Map<String, Integer> refRules = new HashMap<>();
    private final Map<Long, Integer> stringRules = new HashMap<>();
    private final Map<String, Integer> characterSets = new HashMap<>();
    private int ws = -1;
    private int chr = -1;
    private int anyValue = -1;
    private int number = -1;
    private int integer = -1;
    private int depth;

    private JsonSchemaGrammar(JsonNode root) {
        this.root = root;
    }

    /** Ollama's {@code format: "json"}: any JSON object. */
    public static Grammar anyObject() {
        JsonSchemaGrammar c = new JsonSchemaGrammar(null);
        return c.b.build(c.b.rule(seq(ref(c.ws()), ref(c.anyObjectRule()))));
    }

    /**
     * The grammar of {@code schema}.
     *
     * @throws InvalidSchemaException when the schema is malformed, unsatisfiable, refers outside itself or is too large
     */
    public static Grammar compile(JsonNode schema) {
        if (schema == null || schema.isMissingNode()) throw new InvalidSchemaException("the schema is missing");
        JsonSchemaGrammar c = new JsonSchemaGrammar(schema);
        int value = c.schema(schema, "#");
        return c.b.build(c.b.rule(seq(ref(c.ws()), ref(value))));
    }

    /** Ollama's format: the text "json" or a schema object. */
    public static Grammar forFormat(JsonNode format) {
        if (format != null && format.isTextual() && format.asText().equals("json")) return anyObject();
        if (format == null || !format.isObject()) throw new InvalidSchemaException("format must be \"json\" or a JSON schema object");
        return compile(format);
    }

    private int schema(JsonNode s, String where) {
        if (++depth > MAX_DEPTH) throw new InvalidSchemaException("the schema nests deeper than " + MAX_DEPTH + " levels");
        try {
            return schemaRule(s, where);
        } finally {
            depth--;
        }
    }

    private int schemaRule(JsonNode s, String where) {
        if (s.isBoolean()) {
            if (s.booleanValue()) return anyValueRule();
            throw new InvalidSchemaException(where + " is false: no value can satisfy it");
        }
        if (!s.isObject()) throw new InvalidSchemaException(where + " must be a schema object or a boolean");
        if (s.has("$ref")) return refRule(s.get("$ref"), where);
        if (s.has("const")) return b.rule(b.literal(s.get("const").toString()));
        if (s.has("enum")) return enumRule(s.get("enum"), where);
        for (String key : new String[] {"anyOf", "oneOf"}) {
            if (s.has(key)) return alternatives(subschemas(s, key, where), where + "/" + key);
        }
        if (s.has("allOf")) return schema(mergeAllOf(subschemas(s, "allOf", where), where), where + "/allOf");
        Set<String> types = types(s, where);
        if (types.isEmpty()) {
            if (s.has("properties") || s.has("additionalProperties") || s.has("required")) types.add("object");
            else if (s.has("items")) types.add("array");
            else return anyValueRule();
        }
        int rule = b.newRule();
        for (String type : types) b.alternative(rule, ref(typeRule(type, s, where)));
        return rule;
    }

    private Set<String> types(JsonNode s, String where) {
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = s.get("type");
        if (type != null && type.isTextual()) {
            types.add(type.asText());
        } else if (type != null && type.isArray()) {
            for (JsonNode t : type) {
                if (!t.isTextual()) throw new InvalidSchemaException(where + "/type must list type names");
                types.add(t.asText());
            }
            if (types.isEmpty()) throw new InvalidSchemaException(where + "/type is an empty list: no value can satisfy it");
        } else if (type != null && !type.isNull()) {
            throw new InvalidSchemaException(where + "/type must be a type name or a list of them");
        }
        if (!types.isEmpty() && s.path("nullable").asBoolean(false)) types.add("null");
        return types;
    }

    private int typeRule(String type, JsonNode s, String where) {
        return switch (type) {
            case "object" -> objectRule(s, where);
            case "array" -> arrayRule(s, where);
            case "string" -> stringType(s, where);
            case "number" -> numberRule();
            case "integer" -> integerRule();
            case "boolean" -> b.rule(b.literal("true"), b.literal("false"));
            case "null" -> b.rule(b.literal("null"));
            default -> throw new InvalidSchemaException(where + "/type '" + quote(type) + "' is not a JSON schema type");
        };
    }

    private int refRule(JsonNode ref, String where) {
        if (!ref.isTextual()) throw new InvalidSchemaException(where + "/$ref must be a string");
        String pointer = ref.asText();
        Integer known = refRules.get(pointer);
        if (known != null) return known;
        if (root == null || !(pointer.equals("#") || pointer.startsWith("#/"))) {
            throw new InvalidSchemaException(where + "/$ref '" + quote(pointer) + "' is not supported: only local references such as #/$defs/Name");
        }
        JsonNode target;
        try {
            target = root.at(pointer.substring(1));
        } catch (IllegalArgumentException e) {
            target = null;
        }
        if (target == null || target.isMissingNode()) throw new InvalidSchemaException(where + "/$ref '" + quote(pointer) + "' points at nothing in the schema");
        // The rule exists before its body so that recursive schemas refer to it.
        int rule = b.newRule();
        refRules.put(pointer, rule);
        b.alternative(rule, ref(schema(target, pointer)));
        return rule;
    }

    private int enumRule(JsonNode values, String where) {
        if (!values.isArray() || values.isEmpty()) throw new InvalidSchemaException(where + "/enum must be a non-empty array");
        Set<String> literals = new LinkedHashSet<>();
        for (JsonNode v : values) literals.add(v.toString());
        List<byte[]> bytes = new ArrayList<>();
        for (String l : literals) bytes.add(l.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return literalTrie(bytes, 0, 0);
    }

    /**
     * The literals (all sharing their first {@code from} bytes) as a trie of rules, so that values starting alike (all
     * strings start with a quote) are one parse until they differ, not one each.
     */
    private int literalTrie(List<byte[]> literals, int from, int level) {
        int rule = b.newRule();
        if (level > MAX_DEPTH) {
            for (byte[] l : literals) b.alternative(rule, bytes(l, from, l.length));
            return rule;
        }
        Map<Integer, List<byte[]>> byNext = new java.util.TreeMap<>();
        for (byte[] l : literals) {
            if (l.length == from) b.alternative(rule);
            else byNext.computeIfAbsent(l[from] & 0xff, k -> new ArrayList<>()).add(l);
        }
        for (List<byte[]> group : byNext.values()) {
            if (group.size() == 1) {
                b.alternative(rule, bytes(group.getFirst(), from, group.getFirst().length));
                continue;
            }
            int shared = commonPrefix(group, from);
            b.alternative(rule, concat(bytes(group.getFirst(), from, shared), seq(ref(literalTrie(group, shared, level + 1)))));
        }
        return rule;
    }

    private int[] bytes(byte[] literal, int from, int to) {
        int[] seq = new int[to - from];
        for (int i = from; i < to; i++) seq[i - from] = b.bytes(literal[i] & 0xff, literal[i] & 0xff);
        return seq;
    }

    private static int commonPrefix(List<byte[]> group, int from) {
        int end = from;
        while (true) {
            byte[] first = group.getFirst();
            if (end >= first.length) return end;
            for (byte[] l : group) if (end >= l.length || l[end] != first[end]) return end;
            end++;
        }
    }

    private List<JsonNode> subschemas(JsonNode s, String key, String where) {
        JsonNode list = s.get(key);
        if (!list.isArray() || list.isEmpty()) throw new InvalidSchemaException(where + "/" + key + " must be a non-empty array of schemas");
        List<JsonNode> out = new ArrayList<>();
        list.forEach(out::add);
        return out;
    }

    private int alternatives(List<JsonNode> schemas, String where) {
        int rule = b.newRule();
        for (int i = 0; i < schemas.size(); i++) b.alternative(rule, ref(schema(schemas.get(i), where + "/" + i)));
        return rule;
    }

    /** allOf as one schema: properties and required merged, the other keywords of the first part that has them. */
    private JsonNode mergeAllOf(List<JsonNode> parts, String where) {
        if (parts.size() == 1) return parts.getFirst();
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        ObjectNode properties = JsonNodeFactory.instance.objectNode();
        Set<String> required = new LinkedHashSet<>();
        for (JsonNode part : parts) {
            JsonNode p = resolve(part, where);
            if (!p.isObject()) continue;
            p.path("properties").properties().forEach(e -> properties.set(e.getKey(), e.getValue()));
            p.path("required").forEach(r -> required.add(r.asText()));
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("properties") && !e.getKey().equals("required") && !merged.has(e.getKey())) merged.set(e.getKey(), e.getValue());
            }
        }
        if (!properties.isEmpty()) merged.set("properties", properties);
        if (!required.isEmpty()) {
            ArrayNode r = merged.putArray("required");
            required.forEach(r::add);
        }
        return merged;
    }

    private JsonNode resolve(JsonNode s, String where) {
        for (int hops = 0; s.isObject() && s.has("$ref") && root != null; hops++) {
            if (hops > MAX_DEPTH) throw new InvalidSchemaException(where + ": $ref chain too long or cyclic");
            String pointer = s.get("$ref").asText();
            if (!pointer.equals("#") && !pointer.startsWith("#/")) break;
            JsonNode target = root.at(pointer.substring(1));
            if (target.isMissingNode()) throw new InvalidSchemaException(where + "/$ref '" + quote(pointer) + "' points at nothing in the schema");
            s = target;
        }
        return s;
    }

    private int objectRule(JsonNode s, String where) {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        JsonNode declared = s.get("properties");
        if (declared != null && !declared.isObject()) throw new InvalidSchemaException(where + "/properties must be an object");
        if (declared != null) declared.properties().forEach(e -> properties.put(e.getKey(), e.getValue()));
        Set<String> required = new LinkedHashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) throw new InvalidSchemaException(where + "/required must be an array of names");
            for (JsonNode r : req) {
                if (!r.isTextual()) throw new InvalidSchemaException(where + "/required must be an array of names");
                required.add(r.asText());
                properties.putIfAbsent(r.asText(), s.path("additionalProperties").isObject() ? s.get("additionalProperties") : BooleanTrue.NODE);
            }
        }
        JsonNode additional = s.get("additionalProperties");
        Integer extraValue = null;
        if (additional == null || additional.isNull()) {
            if (properties.isEmpty()) extraValue = anyValueRule();
        } else if (additional.isBoolean()) {
            if (additional.booleanValue()) extraValue = anyValueRule();
        } else {
            extraValue = schema(additional, where + "/additionalProperties");
        }

        // first/more: what may follow when no member / some member has been written yet.
        int extraMember = extraValue == null ? -1 : member(ref(stringRule(0, -1)), extraValue);
        int more = b.newRule();
        b.alternative(more);
        if (extraMember >= 0) b.alternative(more, concat(b.literal(","), seq(ref(ws()), ref(extraMember), ref(more))));
        int first = b.newRule();
        b.alternative(first);
        if (extraMember >= 0) b.alternative(first, ref(extraMember), ref(more));
        List<Map.Entry<String, JsonNode>> list = new ArrayList<>(properties.entrySet());
        for (int i = list.size() - 1; i >= 0; i--) {
            String name = list.get(i).getKey();
            int kv = member(ref(b.rule(b.literal(JsonNodeFactory.instance.textNode(name).toString()))),
                    schema(list.get(i).getValue(), where + "/properties/" + name));
            int newFirst = b.newRule();
            int newMore = b.newRule();
            b.alternative(newFirst, ref(kv), ref(more));
            b.alternative(newMore, concat(b.literal(","), seq(ref(ws()), ref(kv), ref(more))));
            if (!required.contains(name)) {
                b.alternative(newFirst, ref(first));
                b.alternative(newMore, ref(more));
            }
            first = newFirst;
            more = newMore;
        }
        return b.rule(concat(b.literal("{"), seq(ref(ws()), ref(first)), b.literal("}")));
    }

    /** key ws ":" ws value ws */
    private int member(int keyElement, int valueRule) {
        return b.rule(concat(seq(keyElement, ref(ws())), b.literal(":"), seq(ref(ws()), ref(valueRule), ref(ws()))));
    }

    private int arrayRule(JsonNode s, String where) {
        int min = bound(s, "minItems", where, 0);
        int max = bound(s, "maxItems", where, -1);
        JsonNode items = s.get("items");
        int itemValue = items == null || items.isNull() ? anyValueRule() : schema(items, where + "/items");
        int item = b.rule(seq(ref(itemValue), ref(ws())));
        int[] open = concat(b.literal("["), seq(ref(ws())));
        int[] close = b.literal("]");
        if (max == 0) return b.rule(concat(open, close));
        int[] next = concat(b.literal(","), seq(ref(ws()), ref(item)));
        int rest = repeat(next, Math.max(min - 1, 0), max < 0 ? -1 : max - 1);
        int rule = b.rule(concat(open, seq(ref(item), ref(rest)), close));
        if (min == 0) b.alternative(rule, concat(open, close));
        return rule;
    }

    private int bound(JsonNode s, String key, String where, int absent) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) return absent;
        if (!v.isIntegralNumber() || v.asLong() < 0) throw new InvalidSchemaException(where + "/" + key + " must be a non-negative integer");
        if (v.asLong() > MAX_BOUND) {
            if (key.startsWith("min")) throw new InvalidSchemaException(where + "/" + key + " above " + MAX_BOUND + " is not supported");
            return absent;
        }
        return v.asInt();
    }

    /** {@code seq} repeated at least {@code min} and at most {@code max} (-1: unbounded) times. */
    private int repeat(int[] sequence, int min, int max) {
        if (max >= 0 && max < min) throw new InvalidSchemaException("a maximum is below its minimum: no value can satisfy the schema");
        return b.repeat(sequence, min, max);
    }

    /** A string of the schema's pattern when it has one the grammar can express (lengths then unchecked), else of its lengths. */
    private int stringType(JsonNode s, String where) {
        int min = bound(s, "minLength", where, 0);
        int max = bound(s, "maxLength", where, -1);
        JsonNode pattern = s.get("pattern");
        if (pattern != null && pattern.isTextual()) {
            try {
                int[] content = RegexGrammar.content(b, pattern.asText(), MAX_BOUND, characterSets);
                return b.rule(concat(b.literal("\""), content, b.literal("\"")));
            } catch (RegexGrammar.Unsupported e) {
                // Documented: a pattern beyond the supported syntax is ignored.
            }
        }
        return stringRule(min, max);
    }

    private int stringRule(int min, int max) {
        long key = ((long) min << 32) | (max & 0xffffffffL);
        Integer known = stringRules.get(key);
        if (known != null) return known;
        int rule = b.rule(concat(b.literal("\""), seq(ref(repeat(seq(ref(charRule())), min, max))), b.literal("\"")));
        stringRules.put(key, rule);
        return rule;
    }

    /** One character of a JSON string: unescaped ASCII, an escape, or a well-formed UTF-8 sequence (no surrogates). */
    private int charRule() {
        if (chr >= 0) return chr;
        int cont = b.bytes(0x80, 0xbf);
        int hex = b.bytes('0', '9', 'a', 'f', 'A', 'F');
        int escape = b.rule(seq(b.anyOf("\"\\/bfnrt")),
                concat(b.literal("u"), seq(b.bytes('0', '9', 'a', 'c', 'A', 'C'), hex, hex, hex)),
                concat(b.literal("u"), seq(b.anyOf("dD"), b.bytes('0', '7'), hex, hex)),
                concat(b.literal("u"), seq(b.anyOf("efEF"), hex, hex, hex)));
        chr = b.rule(seq(b.bytes(0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f)),
                concat(b.literal("\\"), seq(ref(escape))),
                seq(b.bytes(0xc2, 0xdf), cont),
                seq(b.bytes(0xe0, 0xe0), b.bytes(0xa0, 0xbf), cont),
                seq(b.bytes(0xe1, 0xec, 0xee, 0xef), cont, cont),
                seq(b.bytes(0xed, 0xed), b.bytes(0x80, 0x9f), cont),
                seq(b.bytes(0xf0, 0xf0), b.bytes(0x90, 0xbf), cont, cont),
                seq(b.bytes(0xf1, 0xf3), cont, cont, cont),
                seq(b.bytes(0xf4, 0xf4), b.bytes(0x80, 0x8f), cont, cont));
        return chr;
    }

    private int integerRule() {
        if (integer >= 0) return integer;
        int digit = b.bytes('0', '9');
        int digits = b.rule(seq(b.bytes('1', '9'), ref(repeat(seq(digit), 0, 15))), b.literal("0"));
        int minus = b.rule(seq(), b.literal("-"));
        integer = b.rule(seq(ref(minus), ref(digits)));
        return integer;
    }

    private int numberRule() {
        if (number >= 0) return number;
        int digit = b.bytes('0', '9');
        int fraction = b.rule(seq(), concat(b.literal("."), seq(ref(repeat(seq(digit), 1, 16)))));
        int exponent = b.rule(seq(), seq(b.anyOf("eE"), ref(b.rule(seq(), seq(b.anyOf("+-")))), ref(repeat(seq(digit), 1, 2))));
        number = b.rule(seq(ref(integerRule()), ref(fraction), ref(exponent)));
        return number;
    }

    /** Bounded whitespace, as llama.cpp writes it: nothing, a space, or one or two newlines and up to 20 spaces or tabs. */
    private int ws() {
        if (ws >= 0) return ws;
        int indent = repeat(seq(b.anyOf(" \t")), 0, MAX_WHITESPACE);
        int newline = b.literal("\n")[0];
        ws = b.rule(seq(), seq(b.anyOf(" ")), seq(newline, ref(indent)), seq(newline, newline, ref(indent)));
        return ws;
    }

    private int anyValueRule() {
        if (anyValue >= 0) return anyValue;
        anyValue = b.newRule();
        int object = anyObjectRule();
        int array = b.newRule();
        int item = b.rule(seq(ref(anyValue), ref(ws())));
        int items = repeat(concat(b.literal(","), seq(ref(ws()), ref(item))), 0, -1);
        b.alternative(array, concat(b.literal("["), seq(ref(ws())), b.literal("]")));
        b.alternative(array, concat(b.literal("["), seq(ref(ws()), ref(item), ref(items)), b.literal("]")));
        for (int r : new int[] {object, array, stringRule(0, -1), numberRule()}) b.alternative(anyValue, ref(r));
        for (String literal : new String[] {"true", "false", "null"}) b.alternative(anyValue, b.literal(literal));
        return anyValue;
    }

    private int anyObjectRule() {
        if (objectAny >= 0) return objectAny;
        objectAny = b.newRule();
        int member = member(ref(stringRule(0, -1)), anyValueRule());
        int members = repeat(concat(b.literal(","), seq(ref(ws()), ref(member))), 0, -1);
        b.alternative(objectAny, concat(b.literal("{"), seq(ref(ws())), b.literal("}")));
        b.alternative(objectAny, concat(b.literal("{"), seq(ref(ws()), ref(member), ref(members)), b.literal("}")));
        return objectAny;
    }

    private int objectAny = -1;

    private static String quote(String s) {
        String t = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
        StringBuilder out = new StringBuilder();
        t.codePoints().forEach(c -> out.append(Character.isISOControl(c) ? '?' : Character.toString(c)));
        return out.toString();
    }

    private static final class BooleanTrue {
        static final JsonNode NODE = JsonNodeFactory.instance.booleanNode(true);
    }
}
