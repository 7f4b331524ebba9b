package dev.bastion.engine.tokenizer;

import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** A real SentencePiece BPE vocabulary of 512 pieces with byte fallback (stories260K's, as transformers converts it). */
class Stories260KTokenizerTest {

    private final Tokenizer tokenizer = load();
    private final Stories260K.Reference reference = Stories260K.reference();

    private static Tokenizer load() {
        try {
            return Tokenizer.load(Stories260K.directory().resolve("tokenizer.json"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theReferenceIdsDecodeToLlama2cTextAndItEncodesBackToThem() {
        assertThat(tokenizer.decode(reference.greedyIds())).isEqualTo(reference.greedyText());
        assertThat(tokenizer.encode(reference.greedyText())).containsExactly(reference.greedyIds());
        StreamingDecoder streaming = tokenizer.newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : reference.greedyIds()) text.append(streaming.next(id));
        assertThat(text.append(streaming.flush()).toString()).isEqualTo(reference.greedyText());
    }

    /** Characters outside the 512 pieces become their UTF-8 bytes (<0xE2><0x98><0x83> for a snowman), and decode back. */
    @ParameterizedTest
    @ValueSource(strings = {"café ☃ Lily", "日本語", "emoji 🦄!", "  two  spaces\nand a line", "\u0000\u007f"})
    void textOutsideTheVocabularyRoundTripsThroughByteTokens(String text) {
        int[] ids = tokenizer.encode(text);
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
    }

    @Test
    void byteFallbackUsesTheByteTokens() {
        int[] ids = tokenizer.encode("☃");
        assertThat(ids).endsWith(tokenizer.tokenId("<0xE2>").orElseThrow(), tokenizer.tokenId("<0x98>").orElseThrow(),
                tokenizer.tokenId("<0x83>").orElseThrow());
        assertThat(tokenizer.tokenId("<0xE2>")).hasValue(3 + 0xE2);
    }
}
