package dev.bastion.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.api.types.StrictScalars;
import dev.bastion.api.types.WrongType;

import java.util.Collection;

/** Parses request JSON and binds it to the wire records; every failure names the field and what was expected. */
public final class JsonFields {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // as Ollama: unknown fields and options are ignored
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(new StrictScalars())
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private JsonFields() {}

    /** Parses a request body that must be a JSON object. */
    public static ObjectNode parse(byte[] body) {
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
        return (ObjectNode) root;
    }

    /** Whether a free-form field was given: Jackson binds a JSON {@code null} to a {@code NullNode}, which counts as absent. */
    public static boolean given(JsonNode field) {
        return field != null && !field.isNull();
    }

    /** Binds a parsed body to {@code type}; a value of the wrong type is a 400 naming its path ({@code messages[0].role}). */
    public static <T> T read(ObjectNode body, Class<T> type) {
        return read(body, type, "");
    }

    /** As {@link #read(ObjectNode, Class)} for a part of a body, named {@code prefix…} in errors ({@code parameters.}). */
    public static <T> T read(JsonNode body, Class<T> type, String prefix) {
        try {
            return MAPPER.treeToValue(body, type);
        } catch (MismatchedInputException e) {
            String path = prefix + path(e);
            if (path.endsWith(".")) path = path.substring(0, path.length() - 1);
            String problem = e instanceof WrongType w ? w.problem()
                    : "must be " + expected(e.getTargetType()) + ", got " + describe(at(body, e));
            throw ApiException.badRequest("'" + path + "' " + problem, path);
        } catch (JsonProcessingException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ApiException api) throw api; // from a creator, e.g. an unparsable keep_alive
            }
            throw ApiException.badRequest("request body is invalid", null);
        }
    }

    /** {@code options.stop}, {@code messages[2].content}: the field path as a client would write it. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static JsonNode at(JsonNode root, JsonMappingException e) {
        JsonNode n = root;
        for (JsonMappingException.Reference r : e.getPath()) {
            if (n == null) return null;
            n = r.getFieldName() != null ? n.get(r.getFieldName()) : n.get(r.getIndex());
        }
        return n;
    }

    private static String expected(Class<?> type) {
        if (type == null) return "a different type";
        if (type == String.class) return "a string";
        if (type == Boolean.class || type == boolean.class) return "a boolean";
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) return "an integer";
        if (Number.class.isAssignableFrom(type) || type == double.class) return "a number";
        if (Collection.class.isAssignableFrom(type) || type.isArray()) return "an array";
        return "an object";
    }

    static String describe(JsonNode v) {
        if (v == null) return "nothing";
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
