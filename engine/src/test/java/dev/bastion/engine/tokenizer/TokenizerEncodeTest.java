package dev.bastion.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Exact ids on tokenizer.json files small enough to run BPE by hand. Vocabulary ids are list positions. */
class TokenizerEncodeTest {

    static String vocab(String... tokens) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) entries.add(quote(tokens[i]) + ": " + i);
        return "{" + String.join(", ", entries) + "}";
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static final String LLAMA3_SPLIT = "{\"type\": \"Sequence\", \"pretokenizers\": ["
            + "{\"type\": \"Split\", \"pattern\": {\"Regex\": " + quote(TinyTokenizers.LLAMA3_REGEX) + "}, \"behavior\": \"Isolated\", \"invert\": false},"
            + "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}]}";
    static final String GPT2_SPLIT = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}";

    static Tokenizer byteLevel(String vocab, String merges, boolean ignoreMerges, String preTokenizer, String addedTokens) {
        return Tokenizer.fromJson("""
                {"version": "1.0", "added_tokens": %s, "normalizer": null, "pre_tokenizer": %s,
                 "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
                 "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": %s,
                           "vocab": %s, "merges": %s}}
                """.formatted(addedTokens, preTokenizer, ignoreMerges, vocab, merges));
    }

    /** Pieces for the split tests; ignore_merges makes every pre-token found in the vocab one id. */
    static final String SPLIT_VOCAB = vocab("I", "'", "m", "Ġ", "h", "e", "r", "w", "L", "1", "2", "3", "4", "5", "a", "b", "Ċ", "!",
            "'m", "Ġhere", "'LL", "123", "45", "ĠĠ", "Ġb", "ĊĊ", "!!", "we", "x", "202");

    @Test
    void llama3RegexSplitsContractionsCaseInsensitively() {
        Tokenizer t = byteLevel(SPLIT_VOCAB, "[]", true, LLAMA3_SPLIT, "[]");
        assertThat(t.encode("I'm here")).containsExactly(0, 18, 19);
        assertThat(t.encode("we'LL")).containsExactly(27, 20);
    }

    @Test
    void llama3RegexGroupsDigitsByThree() {
        Tokenizer t = byteLevel(SPLIT_VOCAB, "[]", true, LLAMA3_SPLIT, "[]");
        assertThat(t.encode("12345")).containsExactly(21, 22);
        assertThat(t.encode("x2024")).containsExactly(28, 29, 12);
    }

    @Test
    void llama3RegexHandlesWhitespaceRunsLikeOniguruma() {
        Tokenizer t = byteLevel(SPLIT_VOCAB, "[]", true, LLAMA3_SPLIT, "[]");
        // \s+(?!\S) leaves the last space of a run to the following word.
        assertThat(t.encode("a   b")).containsExactly(14, 23, 24);
        assertThat(t.encode("a  ")).containsExactly(14, 23);
        assertThat(t.encode("a\n\nb")).containsExactly(14, 25, 15);
        assertThat(t.encode("b!!")).containsExactly(15, 26);
    }

    @Test
    void gpt2RegexIsCaseSensitiveAndKeepsDigitRuns() {
        Tokenizer t = byteLevel(SPLIT_VOCAB, "[]", true, GPT2_SPLIT, "[]");
        assertThat(t.encode("I'm  here")).containsExactly(0, 18, 3, 19);
        assertThat(t.encode("we'LL")).containsExactly(27, 1, 8, 8);
        assertThat(t.encode("12345")).containsExactly(9, 10, 11, 12, 13);
    }

    static final String MERGE_VOCAB = vocab("a", "b", "c", "ab", "bc", "abc", "Ġ", "aa", "aaaa");

    @Test
    void mergeRankDecidesWhichPairMergesFirst() {
        assertThat(byteLevel(MERGE_VOCAB, "[\"b c\", \"a b\"]", false, LLAMA3_SPLIT, "[]").encode("abc")).containsExactly(0, 4);
        assertThat(byteLevel(MERGE_VOCAB, "[\"a b\", \"b c\"]", false, LLAMA3_SPLIT, "[]").encode("abc")).containsExactly(3, 2);
        assertThat(byteLevel(MERGE_VOCAB, "[[\"a\", \"b\"], [\"b\", \"c\"], [\"ab\", \"c\"]]", false, LLAMA3_SPLIT, "[]").encode("abc"))
                .containsExactly(5);
    }

    @Test
    void aMergeListedTwiceKeepsItsLastRankLikeHf() {
        assertThat(byteLevel(MERGE_VOCAB, "[\"a b\", \"b c\", \"a b\"]", false, LLAMA3_SPLIT, "[]").encode("abc")).containsExactly(0, 4);
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        Tokenizer t = byteLevel(MERGE_VOCAB, "[\"a a\", \"aa aa\"]", false, LLAMA3_SPLIT, "[]");
        assertThat(t.encode("aaa")).containsExactly(7, 0);
        assertThat(t.encode("aaaaa")).containsExactly(8, 0);
    }

    @Test
    void ignoreMergesTakesAPreTokenInTheVocabWhole() {
        assertThat(byteLevel(MERGE_VOCAB, "[\"b c\", \"a b\"]", true, LLAMA3_SPLIT, "[]").encode("abc")).containsExactly(5);
        assertThat(byteLevel(MERGE_VOCAB, "[\"b c\", \"a b\"]", false, LLAMA3_SPLIT, "[]").encode("abc")).containsExactly(0, 4);
    }

    @Test
    void addedTokensAreMatchedFirstAndLongestWins() {
        String added = "[{\"id\": 9, \"content\": \"<x>\", \"special\": true}, {\"id\": 10, \"content\": \"<x>ab\", \"special\": false}]";
        Tokenizer t = byteLevel(MERGE_VOCAB, "[\"a b\"]", false, LLAMA3_SPLIT, added);
        assertThat(t.encode("a<x>b")).containsExactly(0, 9, 1);
        assertThat(t.encode("c<x>abc")).containsExactly(2, 10, 2);
        assertThat(t.isSpecial(9)).isTrue();
        assertThat(t.isSpecial(10)).isFalse();
        assertThat(t.vocabSize()).isEqualTo(11);
        assertThat(t.decode(new int[] {0, 9, 1})).isEqualTo("a<x>b");
        assertThat(t.decode(new int[] {0, 9, 10}, true)).isEqualTo("a<x>ab");
        assertThat(t.decode(new int[] {0, 9, 1}, true)).isEqualTo("ab");
    }

    static Tokenizer sentencePiece(String merges, boolean byteFallback, boolean fuseUnk) {
        return Tokenizer.fromJson("""
                {"added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true},
                                  {"id": 2, "content": "</s>", "special": true}],
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
                 "pre_tokenizer": null,
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
                 "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                   {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
                 "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": %s, "byte_fallback": %s,
                           "vocab": %s, "merges": %s}}
                """.formatted(fuseUnk, byteFallback, SP_VOCAB, merges));
    }

    static final String SP_VOCAB = vocab("<unk>", "<s>", "</s>", "<0xE2>", "<0x82>", "<0xAC>", "▁", "a", "b", "▁a", "ab", "▁ab");

    @Test
    void sentencePieceFallsBackToBytesForUnseenCharacters() {
        Tokenizer t = sentencePiece("[\"▁ a\", \"a b\", \"▁a b\"]", true, true);
        // "▁ab▁€": ▁+a (rank 0), then ▁a+b (rank 2); € is not in the vocab, so its UTF-8 bytes.
        assertThat(t.encode("ab €")).containsExactly(11, 6, 3, 4, 5);
        assertThat(t.decode(new int[] {11, 6, 3, 4, 5})).isEqualTo("ab €");
        assertThat(t.bosTokenToAdd()).hasValue(1);
    }

    @Test
    void sentencePieceMergeRankOrderMatters() {
        assertThat(sentencePiece("[\"a b\", \"▁ a\"]", true, true).encode("ab")).containsExactly(6, 10);
        assertThat(sentencePiece("[\"▁ a\", \"a b\", \"▁a b\"]", true, true).encode("ab")).containsExactly(11);
    }

    @Test
    void unknownCharactersBecomeUnkFusedOrNot() {
        assertThat(sentencePiece("[\"▁ a\"]", false, true).encode("a☃☃b")).containsExactly(9, 0, 8);
        assertThat(sentencePiece("[\"▁ a\"]", false, false).encode("a☃☃b")).containsExactly(9, 0, 0, 8);
    }

    @Test
    void specialTokensInTheMiddleSplitTheTextAndEachPartGetsThePrefix() {
        Tokenizer t = sentencePiece("[\"▁ a\"]", true, true);
        assertThat(t.encode("a</s>b")).containsExactly(9, 2, 6, 8);
        assertThat(t.encode("<s>a")).containsExactly(1, 9);
        assertThat(t.decode(new int[] {1, 9, 2}, true)).isEqualTo("a");
        assertThat(t.decode(new int[] {1, 9, 2})).isEqualTo("<s> a</s>");
    }

    @Test
    void sentencePieceDecoderStripsOnlyOneLeadingSpace() {
        Tokenizer t = sentencePiece("[\"▁ a\"]", true, true);
        assertThat(t.encode("  a")).containsExactly(6, 6, 9);
        assertThat(t.decode(t.encode("  a"))).isEqualTo("  a");
        assertThat(t.decode(new int[] {9, 6, 8})).isEqualTo("a b");
    }

    @Test
    void invalidByteSequencesDecodeToOneReplacementCharPerByte() {
        Tokenizer t = sentencePiece("[]", true, true);
        assertThat(t.decode(new int[] {7, 3, 4, 8})).isEqualTo("a\uFFFD\uFFFDb");
    }

    @Test
    void metaspacePreTokenizerSplitsWordsAndPrependsOnlyToTheFirstSegment() {
        Tokenizer t = Tokenizer.fromJson("""
                {"added_tokens": [{"id": 2, "content": "</s>", "special": true}],
                 "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true},
                 "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true},
                 "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "vocab": %s, "merges": ["▁ a", "a b", "▁a b"]}}
                """.formatted(vocab("<unk>", "<s>", "</s>", "<0xE2>", "<0x82>", "<0xAC>", "▁", "a", "b", "▁a", "ab", "▁ab", "▁▁")));
        assertThat(t.encode("ab ab")).containsExactly(11, 11);
        assertThat(t.encode("ab</s>ab")).containsExactly(11, 2, 10);
        assertThat(t.decode(new int[] {11, 11})).isEqualTo("ab ab");
        // HF's Metaspace decoder drops every ▁ of the first token.
        assertThat(t.decode(new int[] {12, 9})).isEqualTo(" a");
        assertThat(t.decode(new int[] {7, 6, 8})).isEqualTo("a b");
    }

    @Test
    void regexWhitespaceIsUnicodeLikeOniguruma() {
        // HF's Oniguruma treats U+00A0 as \s, so a no-break space run splits like a space run.
        Tokenizer t = byteLevel(vocab("a", "b", "Â", "ł", "Âł", "ÂłÂł"), "[\"Â ł\"]", true, LLAMA3_SPLIT, "[]");
        // U+00A0 is C2 A0, which GPT-2's byte alphabet writes as "Â" and "ł".
        assertThat(t.encode("a\u00A0\u00A0b")).containsExactly(0, 4, 4, 1);
        assertThat(t.decode(t.encode("a\u00A0\u00A0b"))).isEqualTo("a\u00A0\u00A0b");
    }

    @Test
    void nfcNormalizerComposesBeforeBpe() {
        Tokenizer t = Tokenizer.fromJson("""
                {"normalizer": {"type": "NFC"}, "pre_tokenizer": %s, "decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": %s, "merges": ["Ã ©"]}}
                """.formatted(LLAMA3_SPLIT, vocab("Ã", "©", "Ã©", "e", "Ì", "ģ")));
        // é is C3 A9 ("Ã©"); the decomposed e + U+0301 becomes the same single token.
        assertThat(t.encode("e\u0301")).containsExactly(2);
        assertThat(t.encode("\u00E9")).containsExactly(2);
    }

    @Test
    void addedTokensCanAbsorbSurroundingWhitespace() {
        String added = "[{\"id\": 9, \"content\": \"<x>\", \"lstrip\": true, \"rstrip\": true, \"special\": true}]";
        Tokenizer t = byteLevel(MERGE_VOCAB, "[]", false, LLAMA3_SPLIT, added);
        assertThat(t.encode("a  <x>  b")).containsExactly(0, 9, 1);
        String singleWord = "[{\"id\": 9, \"content\": \"ab\", \"single_word\": true}]";
        Tokenizer word = byteLevel(MERGE_VOCAB, "[]", false, LLAMA3_SPLIT, singleWord);
        assertThat(word.encode("ab abc")).containsExactly(9, 6, 0, 1, 2);
    }
}
