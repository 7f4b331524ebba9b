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
        String text = decodeWindow();
        if (text.length() <= prefixText.length() || text.endsWith(Decoders.REPLACEMENT_CHAR) || !text.startsWith(prefixText)) {
            return "";
        }
        String piece = text.substring(prefixText.length());
        window.subList(0, readIndex).clear();
        readIndex = window.size();
        prefixText = decodeWindow();
        return piece;
    }

    /** Whatever is held back (an incomplete character becomes U+FFFD); the decoder then starts afresh. */
    public String flush() {
        String text = decodeWindow();
        String rest = text.startsWith(prefixText) ? text.substring(prefixText.length()) : "";
        window.clear();
        readIndex = 0;
        prefixText = "";
        return rest;
    }

    private String decodeWindow() {
        int[] ids = new int[window.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = window.get(i);
        return tokenizer.decode(ids);
    }
}
