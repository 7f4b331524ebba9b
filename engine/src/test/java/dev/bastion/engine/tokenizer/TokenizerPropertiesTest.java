package dev.bastion.engine.tokenizer;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Arbitrary Unicode (incl. surrogate pairs, controls and the special tokens' characters) survives both styles. */
class TokenizerPropertiesTest {

    @Property(tries = 300)
    void byteLevelRoundTripsAnyText(@ForAll @StringLength(max = 40) String text) {
        Tokenizer t = TokenizerRoundTripTest.BYTE_LEVEL;
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
        assertStreamingMatches(t, t.encode(text));
    }

    @Property(tries = 300)
    void sentencePieceRoundTripsAnyText(@ForAll @StringLength(max = 40) String text) {
        // SentencePiece writes spaces as ▁, so a literal ▁ in the input comes back as a space (as in HF).
        Assume.that(!text.contains("▁"));
        Tokenizer t = TokenizerRoundTripTest.SENTENCE_PIECE;
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
        assertStreamingMatches(t, t.encode(text));
    }

    @Property(tries = 50)
    void sentencePieceTurnsALiteralMetaspaceIntoASpace(@ForAll @StringLength(max = 10) String text) {
        Tokenizer t = TokenizerRoundTripTest.SENTENCE_PIECE;
        Assume.that(!text.contains("▁"));
        assertThat(t.decode(t.encode(text + "▁" + text))).isEqualTo(text + " " + text);
    }

    /** Models may sample any id, e.g. a byte token that breaks an earlier byte group: streaming must still match. */
    @Property(tries = 1000)
    void streamingMatchesBatchForAnyIdSequence(@ForAll @Size(max = 12) List<@IntRange(max = 511) Integer> ids,
                                               @ForAll boolean sentencePiece) {
        Tokenizer t = sentencePiece ? TokenizerRoundTripTest.SENTENCE_PIECE : TokenizerRoundTripTest.BYTE_LEVEL;
        assertStreamingMatches(t, ids.stream().mapToInt(Integer::intValue).toArray());
    }

    static void assertStreamingMatches(Tokenizer t, int[] ids) {
        StreamingDecoder decoder = t.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(decoder.next(id));
        out.append(decoder.flush());
        assertThat(out.toString()).isEqualTo(t.decode(ids));
    }
}
