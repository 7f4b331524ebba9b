package dev.bastion.engine.tokenizer;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

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
        Tokenizer t = TokenizerRoundTripTest.SENTENCE_PIECE;
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
        assertStreamingMatches(t, t.encode(text));
    }

    static void assertStreamingMatches(Tokenizer t, int[] ids) {
        StreamingDecoder decoder = t.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(decoder.next(id));
        out.append(decoder.flush());
        assertThat(out.toString()).isEqualTo(t.decode(ids));
    }
}
