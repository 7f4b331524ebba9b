package dev.bastion.engine.gguf;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A tiny random Qwen2 (q/k/v biases, NEOX RoPE, byte-level BPE, ChatML) runs the same from GGUF as from SafeTensors. */
class GgufQwen2Test {

    @TempDir
    Path dir;

    @Test
    void logitsMatchTheSafeTensorsTwin() throws IOException {
        Path hf = TinyModelFixture.model(dir.resolve("hf"), Architecture.QWEN2,
                TinyModelSpec.tiny(Architecture.QWEN2).withTieEmbeddings(false));
        assertSameLogits(hf, GgufExport.export(hf, dir.resolve("qwen.gguf"), StorageType.F32, GgufModelExport.Vocabulary.GPT2));
    }

    /** Llama 3 rope scaling travels as llama.cpp's rope_freqs tensor, and q/k rows permuted for adjacent-pair RoPE. */
    @Test
    void llama3RopeScalingComesFromTheRopeFreqsTensor() throws IOException {
        Path hf = TinyModelFixture.model(dir.resolve("llama3"), Architecture.LLAMA,
                TinyModelSpec.tiny(Architecture.LLAMA).withDtype(dev.bastion.engine.safetensors.DType.F32).withLlama3RopeScaling(true));
        Path gguf = GgufExport.export(hf, dir.resolve("llama3.gguf"), StorageType.F32, GgufModelExport.Vocabulary.LLAMA);
        try (Checkpoint checkpoint = ModelFormat.open(gguf)) {
            assertThat(checkpoint.config().ropeFreqFactors()).isNotNull().contains(1f);
            assertThat(checkpoint.config().ropeStyle()).isEqualTo(ModelConfig.RopeStyle.ADJACENT);
            assertThat(checkpoint.tensors()).doesNotContainKey("rope_freqs.weight");
        }
        assertSameLogits(hf, gguf);
    }

    private static void assertSameLogits(Path hf, Path gguf) throws IOException {
        int[] prompt = {5, 17, 42, 99, 3, 250, 7};
        try (Checkpoint a = ModelFormat.open(hf); LanguageModel st = a.load(WeightFormat.AS_STORED);
             Checkpoint b = ModelFormat.open(gguf); LanguageModel gg = b.load(WeightFormat.AS_STORED)) {
            assertThat(gg.config().architecture()).isEqualTo(st.config().architecture());
            assertThat(gg.config().qkvBias()).isEqualTo(st.config().qkvBias());
            assertThat(gg.config().tieWordEmbeddings()).isFalse();
            if (gg.config().architecture() == Architecture.QWEN2) {
                assertThat(gg.config().qkvBias()).isTrue();
                assertThat(gg.config().ropeStyle()).isEqualTo(ModelConfig.RopeStyle.HALVES);
            }
            InferenceState sa = st.newState(16);
            InferenceState sb = gg.newState(16);
            float[] la = st.prefill(sa, prompt, 0).clone();
            float[] lb = gg.prefill(sb, prompt, 0).clone();
            assertClose(lb, la);
            for (int pos = prompt.length; pos < 12; pos++) {
                int next = GgufStories260KTest.argmax(la);
                la = st.forward(sa, next, pos).clone();
                lb = gg.forward(sb, next, pos).clone();
                assertClose(lb, la);
            }
        }
    }

    @Test
    void byteLevelVocabularyTemplateAndEosComeFromTheMetadata() throws IOException {
        Path hf = TinyModelFixture.tinyModel(dir.resolve("hf"), Architecture.QWEN2);
        Path gguf = GgufExport.export(hf, Files.createDirectories(dir.resolve("model")).resolve("qwen.gguf"), StorageType.F32, GgufModelExport.Vocabulary.GPT2);
        Tokenizer original = Tokenizer.load(hf.resolve("tokenizer.json"));
        // A directory holding one .gguf file is a GGUF model too.
        try (Checkpoint checkpoint = ModelFormat.open(gguf.getParent())) {
            assertThat(checkpoint.format().name()).isEqualTo("gguf");
            assertThat(checkpoint.config().tieWordEmbeddings()).isTrue();
            Tokenizer fromGguf = checkpoint.tokenizer();
            for (String text : List.of("Hello world, it's 2024!", "<|im_start|>user\nhi<|im_end|>", "  tabs\tand\nnewlines  ", "çé ✓")) {
                assertThat(fromGguf.encode(text)).as(text).containsExactly(original.encode(text));
                assertThat(fromGguf.decode(fromGguf.encode(text))).isEqualTo(original.decode(original.encode(text)));
            }
            assertThat(fromGguf.isSpecial(fromGguf.tokenId("<|im_end|>").orElseThrow())).isTrue();
            assertThat(checkpoint.tokenizerConfig().chatTemplate()).contains("<|im_start|>");
        }
        try (LocalModelRuntime runtime = LocalModelRuntime.load(gguf)) {
            assertThat(runtime.eosTokenIds()).contains(original.tokenId("<|im_end|>").orElseThrow());
        }
        assertThat(Files.exists(gguf)).isTrue();
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) assertThat(actual[i]).as("logit " + i).isCloseTo(expected[i], within(1e-5f));
    }
}
