package dev.bastion.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds added tokens in raw text, leftmost then longest, honouring lstrip/rstrip/single_word like HF. */
final class AddedTokens {

    record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {}

    /** A piece of input: either an added token ({@code id >= 0}) or text for the model ({@code id < 0}). */
    record Segment(int id, String text, int start) {}

    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokens(List<AddedToken> tokens) {
        for (AddedToken token : tokens) {
            if (token.content().isEmpty()) continue;
            byFirstChar.computeIfAbsent(token.content().charAt(0), c -> new ArrayList<>()).add(token);
        }
        byFirstChar.values().forEach(list -> list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed()));
    }

    List<Segment> split(String text) {
        List<Segment> segments = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int end = i + match.content().length();
            int textEnd = i;
            if (match.lstrip()) while (textEnd > textStart && Character.isWhitespace(text.charAt(textEnd - 1))) textEnd--;
            if (match.rstrip()) while (end < text.length() && Character.isWhitespace(text.charAt(end))) end++;
            if (textEnd > textStart) segments.add(new Segment(-1, text.substring(textStart, textEnd), textStart));
            segments.add(new Segment(match.id(), match.content(), i));
            textStart = end;
            i = end;
        }
        if (textStart < text.length()) segments.add(new Segment(-1, text.substring(textStart), textStart));
        return segments;
    }

    private AddedToken matchAt(String text, int i) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (AddedToken token : candidates) {
            if (!text.startsWith(token.content(), i)) continue;
            int end = i + token.content().length();
            if (token.singleWord() && (isWordChar(text, i - 1) || isWordChar(text, end))) continue;
            return token;
        }
        return null;
    }

    private static boolean isWordChar(String text, int index) {
        if (index < 0 || index >= text.length()) return false;
        char c = text.charAt(index);
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
