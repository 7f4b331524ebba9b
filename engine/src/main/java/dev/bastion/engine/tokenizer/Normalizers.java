package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the HF {@code normalizer} section as a string function. */
final class Normalizers {

    private Normalizers() {}

    static UnaryOperator<String> of(JsonNode node, String where) {
        if (node == null || node.isNull()) return UnaryOperator.identity();
        String type = TokenizerJson.text(node, "type", where);
        return switch (type) {
            case "Sequence" -> {
                List<UnaryOperator<String>> steps = new ArrayList<>();
                JsonNode list = TokenizerJson.array(node, "normalizers", where);
                for (int i = 0; i < list.size(); i++) steps.add(of(list.get(i), where + ".normalizers[" + i + "]"));
                yield s -> {
                    for (UnaryOperator<String> step : steps) s = step.apply(s);
                    return s;
                };
            }
            case "Prepend" -> {
                String prefix = TokenizerJson.text(node, "prepend", where);
                yield s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> replace(node, where);
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "Strip" -> {
                boolean left = node.path("strip_left").asBoolean(true);
                boolean right = node.path("strip_right").asBoolean(true);
                yield s -> left && right ? s.strip() : left ? s.stripLeading() : right ? s.stripTrailing() : s;
            }
            default -> throw new IllegalArgumentException(where + ".type: normalizer '" + type + "' is not supported");
        };
    }

    /** HF Replace: pattern is {"String": literal} or {"Regex": regex}; shared by the Replace decoder. */
    static UnaryOperator<String> replace(JsonNode node, String where) {
        JsonNode literal = node.path("pattern").path("String");
        if (literal.isTextual()) {
            String target = literal.asText();
            String content = TokenizerJson.text(node, "content", where);
            return s -> s.replace(target, content);
        }
        Pattern pattern = TokenizerJson.pattern(node, where);
        String content = Matcher.quoteReplacement(TokenizerJson.text(node, "content", where));
        return s -> pattern.matcher(s).replaceAll(content);
    }
}
