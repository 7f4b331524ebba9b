package dev.bastion.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;

/** Long degenerate inputs stay linear (no regex backtracking blow-up, no recursion) and round-trip. */
class TokenizerHostileInputTest {

    @ParameterizedTest
    @ValueSource(strings = {" ", "\t \n", "a", "'", "1", "😀", "<|im_start", "\r\n", "\u00A0", "e\u0301"})
    void longRunsEncodeQuicklyAndRoundTrip(String unit) {
        String text = unit.repeat(50_000 / unit.length()) + "x";
        for (Tokenizer t : new Tokenizer[] {TokenizerRoundTripTest.BYTE_LEVEL, TokenizerRoundTripTest.SENTENCE_PIECE}) {
            String back = assertTimeout(Duration.ofSeconds(10), () -> t.decode(t.encode(text)));
            assertThat(back).isEqualTo(text);
        }
    }

    @Test
    void loneSurrogatesEncodeAsTheReplacementCharacterAndPairsStayWhole() {
        for (Tokenizer t : new Tokenizer[] {TokenizerRoundTripTest.BYTE_LEVEL, TokenizerRoundTripTest.SENTENCE_PIECE}) {
            assertThat(t.encode("a\uD83D b \uDE00\uD83Dc\uDE00")).containsExactly(t.encode("a\uFFFD b \uFFFD\uFFFDc\uFFFD"));
            assertThat(t.decode(t.encode("x\uD83D\uDE00y"))).isEqualTo("x\uD83D\uDE00y");
        }
    }
}
