package dev.bastion.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns generated ids into text as they arrive, emitting only complete characters. Works like HF's DecodeStream:
 * it re-decodes a short window that starts at the previous emission, so decoder rules that depend on context
 * (leading-space strip, bytes split over tokens) give exactly what {@link Tokenizer#decode(int[])} gives for all ids.
 * Not thread-safe: one per generation.
 */
public final class StreamingDecoder {

    /** Tokens after a cut that settle the text before it (each non-empty token adds at least one byte). */
    private static final int SETTLING_TOKENS = 3;

    private final Tokenizer tokenizer;
    private final List<Integer> window = new ArrayList<>();
    private int readIndex;
    private String prefixText = "";

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * The text completed by {@code id}: empty while a multi-byte character is still partial, and, for byte-fallback
     * tokenizers, while the latest token is a {@code <0xNN>} byte (the bytes come out with the next ordinary token
     * or {@link #flush()}).
     */
    public String next(int id) {
        tokenizer.checkId(id);
        window.add(id);
        // A ByteFallback group is valid UTF-8 or all U+FFFD, so a later byte token can still spoil the text so far.
        if (tokenizer.isFallbackByte(id)) return "";
        String text = decodeWindow(window.size());
        if (text.length() <= prefixText.length() || !text.startsWith(prefixText)) return "";
        if (!text.endsWith(Decoders.REPLACEMENT_CHAR)) return emit(text, window.size());
        return emitSettled(text);
    }

    /**
     * Text ending in U+FFFD may end in an incomplete character, or in a real U+FFFD that no later token changes. Holding
     * it all back would stall the stream (and re-decode a growing window) while a model repeats U+FFFD, so the text
     * before the last {@link #SETTLING_TOKENS} tokens is emitted once those tokens have settled it: a character has at
     * most 4 UTF-8 bytes, so 3 more bytes complete or break any incomplete one.
     */
    private String emitSettled(String text) {
        int settledEnd = window.size() - SETTLING_TOKENS;
        if (settledEnd <= readIndex) return "";
        for (int i = settledEnd; i < window.size(); i++) {
            String token = tokenizer.tokenText(window.get(i));
            if (token == null || token.isEmpty()) return "";
        }
        String settled = decodeWindow(settledEnd);
        return settled.length() > prefixText.length() && text.startsWith(settled) ? emit(settled, settledEnd) : "";
    }

    /** Emits {@code text}, the decoding of the window's first {@code end} tokens; the window restarts at the last emission. */
    private String emit(String text, int end) {
        String piece = text.substring(prefixText.length());
        window.subList(0, readIndex).clear();
        readIndex = end - readIndex;
        prefixText = decodeWindow(readIndex);
        return piece;
    }

    /** Whatever is held back (an incomplete character becomes U+FFFD); the decoder then starts afresh. */
    public String flush() {
        String text = decodeWindow(window.size());
        String rest = text.startsWith(prefixText) ? text.substring(prefixText.length()) : "";
        window.clear();
        readIndex = 0;
        prefixText = "";
        return rest;
    }

    private String decodeWindow(int end) {
        int[] ids = new int[end];
        for (int i = 0; i < ids.length; i++) ids[i] = window.get(i);
        return tokenizer.decode(ids);
    }
}
