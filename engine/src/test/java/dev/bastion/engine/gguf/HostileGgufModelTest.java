package dev.bastion.engine.gguf;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.model.WeightFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Well-formed GGUF files whose model metadata is wrong, missing or of the wrong type get errors naming the key. */
class HostileGgufModelTest {

    @TempDir
    Path dir;

    /** A minimal loadable llama: hidden 8, 1 layer, 2 heads, vocabulary of 6, with one key changed by {@code edit}. */
    private Path model(Consumer<GgufWriter> metadataEdit, boolean extraTensor) throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "llama");
        metadataEdit.accept(w);
        putIfAbsent(w, "llama.embedding_length", GgufValue.uint32(8));
        putIfAbsent(w, "llama.feed_forward_length", GgufValue.uint32(16));
        putIfAbsent(w, "llama.block_count", GgufValue.uint32(1));
        putIfAbsent(w, "llama.attention.head_count", GgufValue.uint32(2));
        putIfAbsent(w, "tokenizer.ggml.model", GgufValue.of("llama"));
        putIfAbsent(w, "tokenizer.ggml.tokens", GgufValue.strings(List.of("<unk>", "<s>", "</s>", "▁a", "▁", "a")));
        putIfAbsent(w, "tokenizer.ggml.scores", GgufValue.float32s(new float[] {0, 0, 0, -1, -2, -3}));
        putIfAbsent(w, "tokenizer.ggml.bos_token_id", GgufValue.uint32(1));
        w.tensor("token_embd.weight", new long[] {6, 8}, new float[48])
                .tensor("output_norm.weight", new long[] {8}, new float[8])
                .tensor("blk.0.attn_norm.weight", new long[] {8}, new float[8])
                .tensor("blk.0.attn_q.weight", new long[] {8, 8}, new float[64])
                .tensor("blk.0.attn_k.weight", new long[] {8, 8}, new float[64])
                .tensor("blk.0.attn_v.weight", new long[] {8, 8}, new float[64])
                .tensor("blk.0.attn_output.weight", new long[] {8, 8}, new float[64])
                .tensor("blk.0.ffn_norm.weight", new long[] {8}, new float[8])
                .tensor("blk.0.ffn_gate.weight", new long[] {16, 8}, new float[128])
                .tensor("blk.0.ffn_up.weight", new long[] {16, 8}, new float[128])
                .tensor("blk.0.ffn_down.weight", new long[] {8, 16}, new float[128]);
        if (extraTensor) w.tensor("model.norm.weight", new long[] {8}, new float[8]);
        Path file = Files.createTempFile(dir, "model", ".gguf");
        w.write(file);
        return file;
    }

    private static void putIfAbsent(GgufWriter w, String key, GgufValue value) {
        try {
            w.put(key, value);
        } catch (IllegalArgumentException alreadySet) {
            // the edit set it
        }
    }

    @Test
    void theMinimalModelLoads() throws IOException {
        try (Checkpoint c = ModelFormat.open(model(w -> { }, false)); var model = c.load(WeightFormat.AS_STORED)) {
            assertThat(model.config().vocabSize()).isEqualTo(6);
            assertThat(c.tokenizer().encode("a")).containsExactly(3);
        }
    }

    @Test
    void wrongMetadataIsAnErrorNamingTheKey() throws IOException {
        refused(w -> w.put("llama.block_count", GgufValue.of("one")), "llama.block_count must be an integer, found STRING");
        refused(w -> w.put("llama.block_count", GgufValue.uint64(-1)), "llama.block_count = 18446744073709551615 is outside");
        refused(w -> w.put("llama.attention.head_count", GgufValue.uint32(3)), "has shape [8, 8]");
        refused(w -> w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(Float.NaN)), "not a finite number");
        refused(w -> w.put("llama.rope.scaling.type", GgufValue.of("yarn")), "rope.scaling.type \"yarn\" is not supported");
        refused(w -> w.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(99)), "tokenizer.ggml.bos_token_id = 99 is outside [0, 5]");
        assertThatThrownBy(() -> ModelFormat.open(model(w -> { }, true)).close())
                .hasMessageContaining("are the same tensor");
        Path phi = model(w -> { }, false);
        byte[] bytes = Files.readAllBytes(phi);
        // "llama" -> "phi3x" in the architecture value (same length), leaving the rest valid.
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).replaceFirst("\u0005\u0000\u0000\u0000\u0000\u0000\u0000\u0000llama", "\u0005\u0000\u0000\u0000\u0000\u0000\u0000\u0000phi3x");
        Path other = Files.write(dir.resolve("phi.gguf"), text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> ModelFormat.open(other).close()).hasMessageContaining("general.architecture \"phi3x\" is not supported");
    }

    @Test
    void unsupportedTokenizersAreClearErrors() throws IOException {
        try (Checkpoint c = ModelFormat.open(model(w -> w.put("tokenizer.ggml.model", GgufValue.of("bert")), false))) {
            assertThatThrownBy(c::tokenizer).isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.model 'bert' is not supported");
        }
        try (Checkpoint c = ModelFormat.open(model(w -> w.put("tokenizer.ggml.scores", GgufValue.float32s(new float[] {1})), false))) {
            assertThatThrownBy(c::tokenizer).hasMessageContaining("tokenizer.ggml.scores has 1 entries for 6 tokens");
        }
        try (Checkpoint c = ModelFormat.open(model(w -> w.put("tokenizer.ggml.model", GgufValue.of("gpt2"))
                .put("tokenizer.ggml.merges", GgufValue.strings(List.of("a b"))).put("tokenizer.ggml.pre", GgufValue.of("tekken")), false))) {
            assertThatThrownBy(c::tokenizer).hasMessageContaining("tokenizer.ggml.pre 'tekken' is not supported");
        }
    }

    private void refused(Consumer<GgufWriter> edit, String message) throws IOException {
        Path file = model(edit, false);
        var thrown = assertThatThrownBy(() -> {
            try (Checkpoint c = ModelFormat.open(file)) {
                c.tokenizerConfig();
                c.load(WeightFormat.AS_STORED).close();
            }
        }).isInstanceOf(IOException.class);
        if (message != null) thrown.hasMessageContaining(message);
    }
}
