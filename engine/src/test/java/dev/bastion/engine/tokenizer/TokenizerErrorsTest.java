package dev.bastion.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Malformed tokenizer.json files are rejected with a message naming the field and value at fault. */
class TokenizerErrorsTest {

    static String withModel(String model) {
        return "{\"model\": " + model + "}";
    }

    static void rejects(String json, String message) {
        assertThatThrownBy(() -> Tokenizer.fromJson(json)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void notJson() {
        rejects("{\"model\": {", "tokenizer.json is not valid JSON");
        rejects("", "tokenizer.json is empty");
        rejects("[1, 2]", "expected a JSON object");
        rejects("{}", "missing \"model\" object");
    }

    /** HF's Strip decoder strips one char; an empty content would spin start times per token at every decode. */
    @Test
    void stripDecoderNeedsOneCharacter() {
        String model = "{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}";
        rejects("{\"decoder\": {\"type\": \"Strip\", \"content\": \"\", \"start\": 2147483647, \"stop\": 0}, \"model\": " + model + "}",
                "decoder.content: expected one character but found \"\"");
        rejects("{\"decoder\": {\"type\": \"Strip\", \"content\": \"ab\", \"start\": 1, \"stop\": 0}, \"model\": " + model + "}",
                "decoder.content: expected one character but found \"ab\"");
        Tokenizer stripping = Tokenizer.fromJson("{\"decoder\": {\"type\": \"Strip\", \"content\": \"x\", \"start\": 1, \"stop\": 0}, \"model\": " + model + "}");
        assertThat(stripping.decode(new int[] {0, 0})).isEqualTo("aa");
    }

    @Test
    void unsupportedModelType() {
        rejects(withModel("{\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}"), "model.type: 'Unigram' is not supported (only BPE)");
        rejects(withModel("{\"type\": \"WordPiece\", \"vocab\": {}}"), "'WordPiece' is not supported");
    }

    @Test
    void badVocabularyIds() {
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}"), "model.vocab['a']: expected a token id (non-negative integer) but found -1");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}, \"merges\": []}"), "model.vocab['a']: expected a token id");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 1.5}, \"merges\": []}"), "model.vocab['a']");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 2147483647}, \"merges\": []}"), "id 2147483647 is larger than");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}"), "model.vocab: id 0 is used by both");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": [\"a\"], \"merges\": []}"), "model.vocab: expected an object");
        rejects("{\"added_tokens\": [{\"id\": -3, \"content\": \"<x>\"}], \"model\": {\"type\": \"BPE\", \"vocab\": {}}}",
                "added_tokens[0].id: expected a token id");
        rejects("{\"added_tokens\": [{\"id\": 3}], \"model\": {\"type\": \"BPE\", \"vocab\": {}}}", "added_tokens[0].content: expected a string");
    }

    @Test
    void badMerges() {
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\", \"ab\"]}"),
                "model.merges[1]: expected \"left right\" or [\"left\", \"right\"] but found \"ab\"");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}"),
                "model.merges[0]: token 'ab' is not in model.vocab");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\", \"z\"]]}"),
                "model.merges[0]: token 'z' is not in model.vocab");
        rejects(withModel("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\", 1]]}"), "model.merges[0]");
    }

    @Test
    void unsupportedOrBrokenPipelineParts() {
        String model = ", \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}";
        rejects("{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}" + model, "pre_tokenizer.type: pre_tokenizer 'BertPreTokenizer' is not supported");
        rejects("{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Precompiled\"}]}" + model,
                "normalizer.normalizers[0].type: normalizer 'Precompiled' is not supported");
        rejects("{\"decoder\": {\"type\": \"CTC\"}" + model, "decoder.type: decoder 'CTC' is not supported");
        rejects("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(unclosed\"}, \"behavior\": \"Isolated\"}" + model,
                "pre_tokenizer.pattern.Regex: invalid regex '(unclosed'");
        rejects("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Glob\": \"*\"}}" + model, "pre_tokenizer.pattern: expected");
        rejects("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, \"behavior\": \"Sideways\"}" + model,
                "pre_tokenizer.behavior: split behavior 'Sideways' is not supported");
        rejects(withModel("{\"type\": \"BPE\", \"continuing_subword_prefix\": \"##\", \"vocab\": {}}"),
                "model.continuing_subword_prefix: \"##\" is not supported");
        rejects("{\"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"vocab\": {\"a\": 0}, \"merges\": []}}",
                "model.unk_token: '<unk>' is not in the vocabulary");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        Tokenizer t = Tokenizer.fromJson(TinyTokenizers.byteLevelJson());
        assertThatThrownBy(() -> t.decode(new int[] {1, TinyTokenizers.BYTE_LEVEL_VOCAB_SIZE}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token id 512 is outside the vocabulary [0, 512)");
        assertThatThrownBy(() -> t.tokenText(-1)).hasMessageContaining("token id -1");
        assertThatThrownBy(() -> t.newStreamingDecoder().next(9999)).hasMessageContaining("token id 9999");
        assertThat(t.tokenId("no such token")).isEmpty();
    }

    @Test
    void loadNamesTheFile(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("tokenizer.json");
        Files.writeString(broken, withModel("{\"type\": \"Unigram\"}"));
        assertThatThrownBy(() -> Tokenizer.load(broken)).hasMessageStartingWith(broken + ": model.type");
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("missing.json"))).isInstanceOf(NoSuchFileException.class);
        Path good = dir.resolve("good.json");
        Files.writeString(good, TinyTokenizers.sentencePieceJson());
        assertThat(Tokenizer.load(good).vocabSize()).isEqualTo(TinyTokenizers.SENTENCE_PIECE_VOCAB_SIZE);
    }
}
