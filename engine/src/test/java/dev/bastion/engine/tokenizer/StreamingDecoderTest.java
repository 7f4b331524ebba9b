package dev.bastion.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;

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

    /**
     * A generated U+FFFD is a real character: text ending in one must not be held (and re-decoded) until a different
     * character comes, or a model repeating it would stall the stream and cost quadratic time.
     */
    @Test
    void repeatedReplacementCharactersStreamAsTheyComeInLinearTime() {
        int[] one = BYTE_LEVEL.encode("\uFFFD");
        assertThat(one).hasSize(3);
        int repeats = 4_000;
        int[] ids = new int[one.length * repeats];
        for (int i = 0; i < ids.length; i++) ids[i] = one[i % one.length];
        StreamingDecoder decoder = BYTE_LEVEL.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        assertTimeout(Duration.ofSeconds(3), () -> {
            for (int i = 0; i < ids.length; i++) {
                out.append(decoder.next(ids[i]));
                if (i == 3 * one.length - 1) assertThat(out).as("emitted after 3 characters").isNotEmpty();
            }
        });
        assertThat(out.length()).as("at most one character held back").isGreaterThanOrEqualTo(repeats - 1);
        out.append(decoder.flush());
        assertThat(out.toString()).isEqualTo("\uFFFD".repeat(repeats));
    }

    @Test
    void anIncompleteCharacterAfterReplacementCharactersStillWaitsForItsLastByte() {
        int[] ids = BYTE_LEVEL.encode("\uFFFD\uFFFD\uFFFDa😀\uFFFD😀");
        List<String> pieces = stream(BYTE_LEVEL, ids);
        assertThat(String.join("", pieces)).isEqualTo("\uFFFD\uFFFD\uFFFDa😀\uFFFD😀");
        assertThat(pieces).allSatisfy(piece -> assertThat(Character.isHighSurrogate(piece.isEmpty() ? 'x' : piece.charAt(piece.length() - 1))).isFalse());
        assertThat(pieces).noneMatch(piece -> piece.contains("\uFFFD\uFFFD\uFFFD\uFFFD"));
    }

    /** Random mixes of whole, broken and replacement characters stream to exactly the batch decoding. */
    @Test
    void randomBrokenAndReplacementBytesStreamLikeBatch() {
        int[] emoji = BYTE_LEVEL.encode("😀");
        int[] replacement = BYTE_LEVEL.encode("\uFFFD");
        int[] pool = {emoji[0], emoji[1], emoji[2], emoji[3], replacement[0], replacement[1], replacement[2],
                BYTE_LEVEL.encode("a")[0], BYTE_LEVEL.encode("中")[0]};
        Random random = new Random(42);
        for (int run = 0; run < 500; run++) {
            int[] ids = random.ints(1 + random.nextInt(40), 0, pool.length).map(i -> pool[i]).toArray();
            assertThat(String.join("", stream(BYTE_LEVEL, ids))).as("ids %s", java.util.Arrays.toString(ids))
                    .isEqualTo(BYTE_LEVEL.decode(ids));
        }
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
