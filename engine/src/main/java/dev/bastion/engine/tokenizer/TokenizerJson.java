package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Field access on tokenizer.json with errors that name the offending field. */
final class TokenizerJson {

    private TokenizerJson() {}

    static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(where + "." + field + ": expected a string but found " + describe(value));
        }
        return value.asText();
    }

    static JsonNode array(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw new IllegalArgumentException(where + "." + field + ": expected an array but found " + describe(value));
        }
        return value;
    }

    static int id(JsonNode value, String where) {
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
            throw new IllegalArgumentException(where + ": expected a token id (non-negative integer) but found " + describe(value));
        }
        return value.asInt();
    }

    /** An HF pattern object: {"String": literal} or {"Regex": regex}. HF's Oniguruma \s is Unicode, hence UNICODE_CHARACTER_CLASS. */
    static Pattern pattern(JsonNode node, String where) {
        JsonNode pattern = node.get("pattern");
        if (pattern != null && pattern.has("String")) return Pattern.compile(Pattern.quote(pattern.get("String").asText()));
        if (pattern != null && pattern.has("Regex")) {
            String regex = pattern.get("Regex").asText();
            try {
                return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ".pattern.Regex: invalid regex '" + regex + "': " + e.getDescription(), e);
            }
        }
        throw new IllegalArgumentException(where + ".pattern: expected {\"String\": …} or {\"Regex\": …} but found " + describe(pattern));
    }

    /** Metaspace's prepend_scheme (always, first, never); older files say add_prefix_space instead. */
    static String prependScheme(JsonNode node) {
        if (node.has("prepend_scheme")) return node.get("prepend_scheme").asText();
        return node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
    }

    static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) return "nothing";
        String s = value.toString();
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
