package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the HF {@code pre_tokenizer} section: splits normalized text into the words BPE sees. */
final class PreTokenizers {

    /** GPT-2's split regex, used by ByteLevel with use_regex. */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    @FunctionalInterface
    interface PreTokenizer {
        /** @param first whether the text starts at offset 0 of the input (not after an added token) */
        List<String> split(List<String> pieces, boolean first);
    }

    private PreTokenizers() {}

    static PreTokenizer of(JsonNode node, String where) {
        if (node == null || node.isNull()) return (pieces, first) -> pieces;
        String type = TokenizerJson.text(node, "type", where);
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = TokenizerJson.array(node, "pretokenizers", where);
                for (int i = 0; i < list.size(); i++) steps.add(of(list.get(i), where + ".pretokenizers[" + i + "]"));
                yield (pieces, first) -> {
                    for (PreTokenizer step : steps) pieces = step.split(pieces, first);
                    return pieces;
                };
            }
            case "ByteLevel" -> byteLevel(node);
            case "Split" -> split(node, where);
            case "Metaspace" -> metaspace(node, where);
            case "Digits" -> {
                Pattern digits = Pattern.compile(node.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+");
                yield (pieces, first) -> splitEach(pieces, digits, "Isolated", false);
            }
            case "WhitespaceSplit" -> (pieces, first) -> splitEach(pieces, Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS), "Removed", false);
            case "Whitespace" -> (pieces, first) -> splitEach(pieces, Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS), "Removed", true);
            default -> throw new IllegalArgumentException(where + ".type: pre_tokenizer '" + type + "' is not supported");
        };
    }

    private static PreTokenizer byteLevel(JsonNode node) {
        boolean addPrefixSpace = node.path("add_prefix_space").asBoolean(false);
        Pattern regex = node.path("use_regex").asBoolean(true) ? Pattern.compile(GPT2_REGEX, Pattern.UNICODE_CHARACTER_CLASS) : null;
        return (pieces, first) -> {
            List<String> out = new ArrayList<>(pieces.size());
            for (String piece : pieces) {
                if (addPrefixSpace && !piece.startsWith(" ")) piece = " " + piece;
                List<String> words = regex == null ? List.of(piece) : splitEach(List.of(piece), regex, "Isolated", false);
                for (String word : words) out.add(ByteLevelAlphabet.encode(word));
            }
            return out;
        };
    }

    private static PreTokenizer split(JsonNode node, String where) {
        Pattern pattern = TokenizerJson.pattern(node, where);
        String behavior = node.path("behavior").asText("Isolated");
        boolean invert = node.path("invert").asBoolean(false);
        if (!List.of("Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous").contains(behavior)) {
            throw new IllegalArgumentException(where + ".behavior: split behavior '" + behavior + "' is not supported");
        }
        return (pieces, first) -> splitEach(pieces, pattern, behavior, invert);
    }

    private static PreTokenizer metaspace(JsonNode node, String where) {
        String replacement = TokenizerJson.text(node, "replacement", where);
        String scheme = TokenizerJson.prependScheme(node);
        boolean splitWords = node.path("split").asBoolean(true);
        Pattern separator = Pattern.compile(Pattern.quote(replacement));
        return (pieces, first) -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                String piece = pieces.get(i).replace(" ", replacement);
                boolean prepend = scheme.equals("always") || (scheme.equals("first") && first && i == 0);
                if (prepend && !piece.startsWith(replacement)) piece = replacement + piece;
                if (splitWords) out.addAll(splitEach(List.of(piece), separator, "MergedWithNext", false));
                else out.add(piece);
            }
            return out;
        };
    }

    /** HF's split with a behavior: how matched parts relate to the text around them. Empty parts are dropped. */
    static List<String> splitEach(List<String> pieces, Pattern pattern, String behavior, boolean invert) {
        List<String> out = new ArrayList<>();
        for (String piece : pieces) {
            // (start, end, isMatch) spans covering the whole piece
            List<int[]> spans = new ArrayList<>();
            Matcher m = pattern.matcher(piece);
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start()) continue;
                if (m.start() > last) spans.add(new int[] {last, m.start(), invert ? 1 : 0});
                spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
                last = m.end();
            }
            if (last < piece.length()) spans.add(new int[] {last, piece.length(), invert ? 1 : 0});
            applyBehavior(piece, spans, behavior, out);
        }
        return out;
    }

    private static void applyBehavior(String piece, List<int[]> spans, String behavior, List<String> out) {
        switch (behavior) {
            case "Isolated" -> spans.forEach(s -> out.add(piece.substring(s[0], s[1])));
            case "Removed" -> spans.stream().filter(s -> s[2] == 0).forEach(s -> out.add(piece.substring(s[0], s[1])));
            case "MergedWithPrevious" -> {
                int start = 0;
                for (int[] s : spans) {
                    if (s[2] == 1 && s[0] > start) {
                        out.add(piece.substring(start, s[1]));
                        start = s[1];
                    } else if (s[2] == 1) {
                        out.add(piece.substring(s[0], s[1]));
                        start = s[1];
                    }
                }
                if (start < piece.length()) out.add(piece.substring(start));
            }
            case "MergedWithNext" -> {
                int start = 0;
                for (int[] s : spans) {
                    if (s[2] == 1 && s[0] > start) {
                        out.add(piece.substring(start, s[0]));
                        start = s[0];
                    }
                }
                if (start < piece.length()) out.add(piece.substring(start));
            }
            case "Contiguous" -> {
                int start = 0;
                for (int i = 0; i < spans.size(); i++) {
                    boolean boundary = i + 1 == spans.size() || spans.get(i + 1)[2] != spans.get(i)[2];
                    if (boundary) {
                        out.add(piece.substring(start, spans.get(i)[1]));
                        start = spans.get(i)[1];
                    }
                }
            }
            default -> throw new IllegalStateException(behavior);
        }
    }
}
