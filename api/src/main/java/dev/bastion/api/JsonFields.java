package dev.bastion.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/** Typed, validated access to request JSON; every failure names the field and what was expected. */
public final class JsonFields {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private final ObjectNode node;
    private final String prefix;

    private JsonFields(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    /** Parses a request body that must be a JSON object. */
    public static JsonFields parse(byte[] body) {
        if (body.length == 0) throw ApiException.badRequest("request body is empty; expected a JSON object", null);
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("request body is not valid JSON: " + e.getOriginalMessage(), null);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("request body could not be read", null);
        }
        if (root == null || !root.isObject()) throw ApiException.badRequest("request body must be a JSON object", null);
        return new JsonFields((ObjectNode) root, "");
    }

    public JsonNode raw(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    public boolean has(String field) {
        return raw(field) != null;
    }

    public String name(String field) {
        return prefix + field;
    }

    /** A nested object, or an empty one when absent. */
    public JsonFields object(String field) {
        JsonNode v = raw(field);
        if (v == null) return new JsonFields(MAPPER.createObjectNode(), name(field) + ".");
        if (!v.isObject()) throw wrongType(field, "an object", v);
        return new JsonFields((ObjectNode) v, name(field) + ".");
    }

    public String requiredString(String field) {
        String v = string(field, null);
        if (v == null) throw ApiException.badRequest("'" + name(field) + "' is required", name(field));
        return v;
    }

    public String string(String field, String fallback) {
        JsonNode v = raw(field);
        if (v == null) return fallback;
        if (!v.isTextual()) throw wrongType(field, "a string", v);
        return v.asText();
    }

    public boolean bool(String field, boolean fallback) {
        JsonNode v = raw(field);
        if (v == null) return fallback;
        if (!v.isBoolean()) throw wrongType(field, "a boolean", v);
        return v.booleanValue();
    }

    public Double number(String field) {
        JsonNode v = raw(field);
        if (v == null) return null;
        if (!v.isNumber()) throw wrongType(field, "a number", v);
        double d = v.doubleValue();
        if (!Double.isFinite(d)) throw ApiException.badRequest("'" + name(field) + "' must be finite", name(field));
        return d;
    }

    public Long integer(String field) {
        JsonNode v = raw(field);
        if (v == null) return null;
        if (!v.isIntegralNumber() && !(v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()))) {
            throw wrongType(field, "an integer", v);
        }
        if (!v.canConvertToLong()) throw ApiException.badRequest("'" + name(field) + "' is out of range", name(field));
        return v.longValue();
    }

    public Integer intInRange(String field, long min, long max) {
        Long v = integer(field);
        if (v == null) return null;
        if (v < min || v > max) {
            throw ApiException.badRequest("'" + name(field) + "' = " + v + " must be in [" + min + ", " + max + "]", name(field));
        }
        return v.intValue();
    }

    /** A string or an array of strings (as OpenAI's {@code stop} and {@code input}); null when absent. */
    public List<String> stringOrStrings(String field) {
        JsonNode v = raw(field);
        if (v == null) return null;
        if (v.isTextual()) return List.of(v.asText());
        if (!v.isArray()) throw wrongType(field, "a string or an array of strings", v);
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) throw wrongType(field, "a string or an array of strings", item);
            out.add(item.asText());
        }
        return out;
    }

    public JsonNode array(String field) {
        JsonNode v = raw(field);
        if (v == null) return null;
        if (!v.isArray()) throw wrongType(field, "an array", v);
        return v;
    }

    public static JsonFields of(JsonNode n, String path) {
        if (n == null || !n.isObject()) {
            throw ApiException.badRequest("'" + path + "' must be an object", path);
        }
        return new JsonFields((ObjectNode) n, path + ".");
    }

    private ApiException wrongType(String field, String expected, JsonNode actual) {
        return ApiException.badRequest("'" + name(field) + "' must be " + expected + ", got " + describe(actual), name(field));
    }

    private static String describe(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().name().toLowerCase();
        };
    }
}
