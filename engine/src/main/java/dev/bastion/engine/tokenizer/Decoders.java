package dev.bastion.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Builds the HF {@code decoder} section: a chain that rewrites the list of token strings, joined at the end. */
final class Decoders {

    static final String REPLACEMENT_CHAR = "\uFFFD";

    @FunctionalInterface
    interface Decoder {
        List<String> decodeChain(List<String> tokens);
    }

    private Decoders() {}

    static Decoder of(JsonNode node, String where) {
        // Without a decoder HF joins tokens with spaces.
        if (node == null || node.isNull()) return tokens -> List.of(String.join(" ", tokens));
        String type = TokenizerJson.text(node, "type", where);
        return switch (type) {
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                JsonNode list = TokenizerJson.array(node, "decoders", where);
                for (int i = 0; i < list.size(); i++) steps.add(of(list.get(i), where + ".decoders[" + i + "]"));
                yield tokens -> {
                    for (Decoder step : steps) tokens = step.decodeChain(tokens);
                    return tokens;
                };
            }
            case "ByteLevel" -> Decoders::byteLevel;
            case "ByteFallback" -> Decoders::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Replace" -> perToken(Normalizers.replace(node, where));
            case "Strip" -> strip(stripContent(node, where), node.path("start").asInt(0), node.path("stop").asInt(0));
            case "Metaspace" -> metaspace(node, where);
            default -> throw new IllegalArgumentException(where + ".type: decoder '" + type + "' is not supported");
        };
    }

    private static Decoder perToken(UnaryOperator<String> f) {
        return tokens -> tokens.stream().map(f).toList();
    }

    private static List<String> byteLevel(List<String> tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String token : tokens) ByteLevelAlphabet.decodeInto(token, bytes);
        return List.of(bytes.toString(StandardCharsets.UTF_8));
    }

    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (String token : tokens) {
            int b = byteToken(token);
            if (b >= 0) {
                pending.write(b);
                continue;
            }
            flushBytes(pending, out);
            out.add(token);
        }
        flushBytes(pending, out);
        return out;
    }

    /** The byte of a {@code <0xNN>} token, or -1. */
    static int byteToken(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') return -1;
        int hi = Character.digit(token.charAt(3), 16);
        int lo = Character.digit(token.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** Like HF: valid UTF-8 is kept, otherwise every byte becomes U+FFFD. */
    private static void flushBytes(ByteArrayOutputStream pending, List<String> out) {
        if (pending.size() == 0) return;
        byte[] bytes = pending.toByteArray();
        pending.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            out.add(REPLACEMENT_CHAR.repeat(bytes.length));
        }
    }

    /** HF's content is a Rust char: exactly one. An empty one would never stop matching (start could be 2^31 - 1). */
    private static String stripContent(JsonNode node, String where) {
        String content = TokenizerJson.text(node, "content", where);
        if (content.codePointCount(0, content.length()) != 1) {
            throw new IllegalArgumentException(where + ".content: expected one character but found " + TokenizerJson.describe(node.get("content")));
        }
        return content;
    }

    private static Decoder strip(String content, int start, int stop) {
        return perToken(token -> {
            int from = 0;
            int to = token.length();
            for (int i = 0; i < start && token.startsWith(content, from); i++) from += content.length();
            for (int i = 0; i < stop && to - content.length() >= from && token.startsWith(content, to - content.length()); i++) {
                to -= content.length();
            }
            return token.substring(from, to);
        });
    }

    private static Decoder metaspace(JsonNode node, String where) {
        String replacement = TokenizerJson.text(node, "replacement", where);
        String scheme = TokenizerJson.prependScheme(node);
        // Like HF, every replacement char of the first token is dropped (not only a leading one).
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                boolean first = i == 0 && !scheme.equals("never");
                out.add(tokens.get(i).replace(replacement, first ? "" : " "));
            }
            return out;
        };
    }
}
