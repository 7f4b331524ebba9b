package dev.bastion.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Round trips and streaming on the tiny tokenizers of both BPE styles over hostile, multilingual text. */
class TokenizerRoundTripTest {

    static final Tokenizer BYTE_LEVEL = Tokenizer.fromJson(TinyTokenizers.byteLevelJson());
    static final Tokenizer SENTENCE_PIECE = Tokenizer.fromJson(TinyTokenizers.sentencePieceJson());

    static final List<String> CORPUS = List.of(
            "Hello, world!",
            "The quick brown fox jumps over the lazy dog.",
            "Grüße aus Köln — naïve café, Ærøskøbing, Ελληνικά, русский текст.",
            "日本語のテキストと中文文本，还有한국어.",
            "עברית ומילים בערבית: مرحبا بالعالم",
            "Emoji 😀 family 👨‍👩‍👧‍👦, skin tones 👋🏽👍🏿, flags 🇫🇷🇯🇵, keycap 1️⃣.",
            "Combining: e\u0301 a\u0308 n\u0303 \u0915\u094D\u0937 (Devanagari) and Zalgo Z\u0351\u0352a\u0353l\u0354g\u0355o",
            "tabs\tand\t\ttabs\nnew\n\nlines\r\nand   multiple    spaces   ",
            "   leading spaces and trailing   ",
            "code: for (int i = 0; i < 10; i++) { sum += a[i]; }\n\treturn sum;",
            "numbers 1234567890 3.14159 -42 1,000,000",
            "contractions: I'm, you'll, we've, they're, it's, don't, I'D, WE'LL",
            "€100 or £50 or ¥1000? \u0000 control \u0007 chars \u007F",
            "special <|im_start|>user\nhi<|im_end|> inside text",
            "",
            " ",
            "\n");

    static Stream<Tokenizer> tokenizers() {
        return Stream.of(BYTE_LEVEL, SENTENCE_PIECE);
    }

    @Test
    void byteLevelRoundTripsExactly() {
        for (String text : CORPUS) {
            assertThat(BYTE_LEVEL.decode(BYTE_LEVEL.encode(text))).as("round trip of %s", text).isEqualTo(text);
        }
    }

    @Test
    void sentencePieceRoundTripsModuloTheLeadingSpaceRule() {
        for (String text : CORPUS) {
            // Prepend("▁") adds a space that the decoder's Strip(" ", 1, 0) removes again, so text survives as is.
            assertThat(SENTENCE_PIECE.decode(SENTENCE_PIECE.encode(text))).as("round trip of %s", text).isEqualTo(text);
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void streamingEqualsBatchDecoding(Tokenizer tokenizer) {
        for (String text : CORPUS) {
            int[] ids = tokenizer.encode(text);
            StreamingDecoder stream = tokenizer.newStreamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String piece = stream.next(id);
                assertThat(piece).doesNotContain("\uFFFD");
                streamed.append(piece);
            }
            streamed.append(stream.flush());
            assertThat(streamed.toString()).as("streamed %s", text).isEqualTo(tokenizer.decode(ids));
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void tinyTokenizersCompressEnglish(Tokenizer tokenizer) {
        String text = "The little girl went into the forest and said hello to the world.";
        assertThat(tokenizer.encode(text).length).isLessThan(text.length() / 2);
    }

    @Test
    void encodesConcurrentlyWithTheSharedCache() throws Exception {
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String text = CORPUS.get(i % CORPUS.size()) + " " + i;
                int[] expected = BYTE_LEVEL.encode(text);
                results.add(pool.submit(() -> java.util.Arrays.equals(BYTE_LEVEL.encode(text), expected)
                        && BYTE_LEVEL.decode(expected).equals(text)));
            }
            for (var result : results) assertThat(result.get()).isTrue();
        }
    }

    @Test
    void tinyVocabularySizesMatchTheirConstants() {
        assertThat(BYTE_LEVEL.vocabSize()).isEqualTo(TinyTokenizers.BYTE_LEVEL_VOCAB_SIZE);
        assertThat(SENTENCE_PIECE.vocabSize()).isEqualTo(TinyTokenizers.SENTENCE_PIECE_VOCAB_SIZE);
        assertThat(BYTE_LEVEL.tokenId("<|im_end|>")).hasValue(TinyTokenizers.BYTE_LEVEL_VOCAB_SIZE - 1);
        assertThat(BYTE_LEVEL.bosTokenToAdd()).isEmpty();
        assertThat(SENTENCE_PIECE.bosTokenToAdd()).hasValue(1);
        assertThat(SENTENCE_PIECE.tokenText(3)).isEqualTo("<0x00>");
        assertThat(SENTENCE_PIECE.isSpecial(2)).isTrue();
        assertThat(SENTENCE_PIECE.isSpecial(300)).isFalse();
    }
}
