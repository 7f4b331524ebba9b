package dev.bastion.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamingDecoderTest {

    static final Tokenizer BYTE_LEVEL = TokenizerRoundTripTest.BYTE_LEVEL;
    static final Tokenizer SENTENCE_PIECE = TokenizerRoundTripTest.SENTENCE_PIECE;

    static List<String> stream(Tokenizer t, int[] ids) {
        StreamingDecoder decoder = t.newStreamingDecoder();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(decoder.next(id));
        pieces.add(decoder.flush());
        return pieces;
    }

    @Test
    void byteLevelHoldsAnEmojiBackUntilItsLastByte() {
        int[] ids = BYTE_LEVEL.encode("😀");
        assertThat(ids).hasSize(4); // the tiny vocabulary has no merges for it: one token per UTF-8 byte
        assertThat(stream(BYTE_LEVEL, ids)).containsExactly("", "", "", "😀", "");
    }

    @Test
    void byteFallbackHoldsBytesUntilTheNextOrdinaryToken() {
        int[] ids = SENTENCE_PIECE.encode("😀x");
        assertThat(SENTENCE_PIECE.tokenText(ids[ids.length - 2])).isEqualTo("<0x80>");
        List<String> pieces = stream(SENTENCE_PIECE, ids);
        // A later byte token could still turn the group into U+FFFDs (HF's ByteFallback), so the emoji waits for "x".
        assertThat(pieces.get(pieces.size() - 2)).isEqualTo("😀x");
        assertThat(String.join("", pieces)).isEqualTo("😀x");
    }

    @Test
    void aByteThatSpoilsAnEarlierByteGroupStreamsLikeBatch() {
        int a = SENTENCE_PIECE.tokenId("<0x61>").orElseThrow();
        int e2 = SENTENCE_PIECE.tokenId("<0xE2>").orElseThrow();
        int b = SENTENCE_PIECE.tokenId("b").orElseThrow();
        int[] ids = {a, e2, b};
        assertThat(SENTENCE_PIECE.decode(ids)).isEqualTo("\uFFFD\uFFFDb");
        assertThat(String.join("", stream(SENTENCE_PIECE, ids))).isEqualTo("\uFFFD\uFFFDb");
    }

    @Test
    void flushTurnsAnIncompleteCharacterIntoReplacementChar() {
        int[] ids = BYTE_LEVEL.encode("a😀");
        StreamingDecoder decoder = BYTE_LEVEL.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ids.length - 1; i++) out.append(decoder.next(ids[i]));
        assertThat(out.toString()).isEqualTo("a");
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.next(ids[0])).isEqualTo("a"); // starts afresh after a flush
    }

    @Test
    void sentencePieceStripsOnlyTheVeryFirstSpace() {
        int[] ids = SENTENCE_PIECE.encode("the little girl");
        List<String> pieces = stream(SENTENCE_PIECE, ids);
        assertThat(pieces.get(0)).doesNotStartWith(" ");
        assertThat(String.join("", pieces)).isEqualTo("the little girl");
        assertThat(pieces.stream().filter(p -> p.startsWith(" ")).count()).isEqualTo(2);
    }

    @Test
    void specialTokensStreamAsText() {
        int imEnd = BYTE_LEVEL.tokenId("<|im_end|>").orElseThrow();
        int[] hi = BYTE_LEVEL.encode("hi");
        int[] ids = new int[hi.length + 1];
        System.arraycopy(hi, 0, ids, 0, hi.length);
        ids[hi.length] = imEnd;
        assertThat(String.join("", stream(BYTE_LEVEL, ids))).isEqualTo("hi<|im_end|>");
    }
}
