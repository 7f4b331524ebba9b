package dev.bastion.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Random;

/**
 * Random JSON schemas over the supported keywords, from a seed. Every string and array is bounded, so each schema's
 * language is finite and a constrained generation must end by itself.
 */
final class RandomSchemas {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] NAMES = {"id", "name", "tags", "a b", "ünï", "q\"uote", "value", "items", "x", "nested"};

    private final Random random;
    private ObjectNode defs;

    RandomSchemas(long seed) {
        this.random = new Random(seed);
    }

    /** An object schema at the top (as Ollama's format is), sometimes with {@code $defs} it refers to. */
    JsonNode next() {
        defs = F.objectNode();
        ObjectNode root = object(0);
        if (random.nextInt(3) == 0) root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        if (!defs.isEmpty()) root.set("$defs", defs);
        return root;
    }

    private ObjectNode any(int depth) {
        int kinds = depth >= 2 ? 9 : 12;
        return switch (random.nextInt(kinds)) {
            case 0 -> string();
            case 1 -> type("integer");
            case 2 -> type("number");
            case 3 -> type("boolean");
            case 4 -> type("null");
            case 5 -> enumeration();
            case 6 -> F.objectNode().set("const", literal());
            case 7 -> union();
            case 8 -> nullable();
            case 9 -> object(depth + 1);
            case 10 -> array(depth + 1);
            default -> ref(depth + 1);
        };
    }

    private ObjectNode type(String name) {
        return F.objectNode().put("type", name);
    }

    /** Anchored and bounded, so their languages are finite too. */
    private static final String[] PATTERNS = {"^[a-z]{1,5}$", "^\\d{3}-\\d{4}$", "^(red|green|blue)$",
            "^[A-Z][a-z]{0,3}( [0-9]{1,2})?$", "^[^\"\\\\a-z]{0,4}$", "^.{0,3}x$", "^[\\u4e00-\\u9fff]{1,2}$", "^\\w\\s\\S?$"};

    private ObjectNode string() {
        ObjectNode s = type("string");
        if (random.nextInt(4) == 0) return s.put("pattern", PATTERNS[random.nextInt(PATTERNS.length)]);
        int max = random.nextInt(10);
        s.put("maxLength", max);
        if (random.nextBoolean()) s.put("minLength", random.nextInt(max + 1));
        if (random.nextInt(4) == 0) s.put("format", "date-time"); // an annotation only: ignored by both sides
        return s;
    }

    private ObjectNode enumeration() {
        ArrayNode values = F.arrayNode();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) values.add(literal());
        return F.objectNode().set("enum", values);
    }

    private JsonNode literal() {
        return switch (random.nextInt(5)) {
            case 0 -> F.textNode(NAMES[random.nextInt(NAMES.length)]);
            case 1 -> F.numberNode(random.nextInt(2000) - 1000);
            case 2 -> F.booleanNode(random.nextBoolean());
            case 3 -> F.nullNode();
            default -> F.arrayNode().add(random.nextInt(9)).add("é");
        };
    }

    /** Alternatives of different types, so that oneOf's exclusivity holds too. */
    private ObjectNode union() {
        String[] types = {"string", "integer", "boolean", "null"};
        int a = random.nextInt(types.length);
        int b = (a + 1 + random.nextInt(types.length - 1)) % types.length;
        ArrayNode list = F.arrayNode();
        list.add(types[a].equals("string") ? string() : type(types[a]));
        list.add(types[b].equals("string") ? string() : type(types[b]));
        if (random.nextBoolean()) return F.objectNode().set(random.nextBoolean() ? "anyOf" : "oneOf", list);
        ArrayNode names = F.arrayNode().add(types[a]).add(types[b]);
        ObjectNode s = F.objectNode().set("type", names);
        if (types[a].equals("string") || types[b].equals("string")) s.put("maxLength", 6);
        return s;
    }

    private ObjectNode nullable() {
        ObjectNode s = random.nextBoolean() ? type("integer") : string();
        // nullable is OpenAPI's: the validator does not know it, so add null to the type as well for the reference.
        s.set("type", F.arrayNode().add(s.get("type").asText()).add("null"));
        s.put("nullable", true);
        return s;
    }

    private ObjectNode object(int depth) {
        ObjectNode o = type("object");
        ObjectNode properties = F.objectNode();
        ArrayNode required = F.arrayNode();
        int n = random.nextInt(depth == 0 ? 5 : 4);
        for (int i = 0; i < n; i++) {
            String name = NAMES[random.nextInt(NAMES.length)] + (i == 0 ? "" : i);
            properties.set(name, any(depth));
            if (random.nextBoolean()) required.add(name);
        }
        if (!properties.isEmpty() || random.nextBoolean()) o.set("properties", properties);
        if (!required.isEmpty()) o.set("required", required);
        switch (random.nextInt(3)) {
            case 0 -> o.put("additionalProperties", false);
            case 1 -> o.set("additionalProperties", F.objectNode().put("type", "integer"));
            default -> { if (properties.isEmpty()) o.put("additionalProperties", false); }
        }
        return o;
    }

    private ObjectNode array(int depth) {
        ObjectNode a = type("array");
        a.set("items", any(depth));
        int min = random.nextInt(3);
        if (min > 0 || random.nextBoolean()) a.put("minItems", min);
        a.put("maxItems", min + random.nextInt(3));
        return a;
    }

    private ObjectNode ref(int depth) {
        String name = "Def" + defs.size();
        defs.putNull(name); // reserved before the body, which may add definitions of its own
        defs.set(name, depth >= 2 ? string() : object(depth));
        return F.objectNode().put("$ref", "#/$defs/" + name);
    }
}
