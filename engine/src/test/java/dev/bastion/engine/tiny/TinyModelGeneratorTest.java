package dev.bastion.engine.tiny;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.WeightSet;
import dev.bastion.engine.tokenizer.TinyTokenizers;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TinyModelGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void sameSeedWritesIdenticalFilesAndAnotherSeedOtherWeights() throws IOException {
        TinyModelSpec spec = TinyModelSpec.tiny(Architecture.LLAMA);
        Path a = TinyModelGenerator.generate(dir.resolve("a"), Architecture.LLAMA, spec, 1);
        Path b = TinyModelGenerator.generate(dir.resolve("b"), Architecture.LLAMA, spec, 1);
        Path c = TinyModelGenerator.generate(dir.resolve("c"), Architecture.LLAMA, spec, 2);
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            assertThat(Files.readAllBytes(b.resolve(file))).as(file).isEqualTo(Files.readAllBytes(a.resolve(file)));
        }
        assertThat(Files.readAllBytes(c.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(a.resolve("model.safetensors")));
        assertThat(Files.readString(c.resolve("config.json"))).isEqualTo(Files.readString(a.resolve("config.json")));
    }

    @Test
    void tinyQwen2IsATiedByteLevelModelWithBiasesOfAFewHundredKilobytes() throws IOException {
        Path model = TinyModelGenerator.generate(dir, Architecture.QWEN2, TinyModelSpec.tiny(Architecture.QWEN2), 3);
        ModelConfig config = ModelConfig.read(model.resolve("config.json"));
        assertThat(config.architecture()).isEqualTo(Architecture.QWEN2);
        assertThat(config.hiddenSize()).isEqualTo(64);
        assertThat(config.numLayers()).isEqualTo(2);
        assertThat(config.numHeads()).isEqualTo(4);
        assertThat(config.numKvHeads()).isEqualTo(2);
        assertThat(config.headDim()).isEqualTo(16);
        assertThat(config.vocabSize()).isEqualTo(TinyTokenizers.BYTE_LEVEL_VOCAB_SIZE);
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.qkvBias()).isTrue();
        assertThat(config.eosTokenIds()).isNotEmpty();
        assertThat(Files.readString(model.resolve("tokenizer.json"))).isEqualTo(TinyTokenizers.byteLevelJson());
        assertThat(Files.readString(model.resolve("config.json"))).contains("\"torch_dtype\" : \"bfloat16\"");
        assertThat(Files.size(model.resolve("model.safetensors"))).isBetween(100_000L, 1_000_000L);
        try (WeightSet weights = WeightSet.open(model)) {
            assertThat(weights.contains("lm_head.weight")).isFalse();
            assertThat(weights.contains("model.layers.1.self_attn.q_proj.bias")).isTrue();
            assertThat(weights.info("model.embed_tokens.weight").dtype()).isEqualTo(DType.BF16);
            assertThat(weights.info("model.embed_tokens.weight").shape()).containsExactly(TinyTokenizers.BYTE_LEVEL_VOCAB_SIZE, 64);
        }
        // The written tokenizer is one the engine loads, and its ids fit the embedding table.
        Tokenizer tokenizer = Tokenizer.load(model.resolve("tokenizer.json"));
        int[] ids = tokenizer.encode("hello world");
        assertThat(ids).isNotEmpty();
        assertThat(java.util.Arrays.stream(ids).max().orElseThrow()).isLessThan(config.vocabSize());
    }

    @Test
    void llamaTokenizerFollowsTheFamily() throws IOException {
        TinyModelSpec llama2Like = TinyModelSpec.tiny(Architecture.LLAMA);
        Path spm = TinyModelGenerator.generate(dir.resolve("llama2"), Architecture.LLAMA, llama2Like, 1);
        Path llama3 = TinyModelGenerator.generate(dir.resolve("llama3"), Architecture.LLAMA, llama2Like.withLlama3RopeScaling(true), 1);
        Path mistral = TinyModelGenerator.generate(dir.resolve("mistral"), Architecture.MISTRAL, TinyModelSpec.tiny(Architecture.MISTRAL), 1);
        assertThat(Files.readString(spm.resolve("tokenizer.json"))).isEqualTo(TinyTokenizers.sentencePieceJson());
        assertThat(Files.readString(mistral.resolve("tokenizer.json"))).isEqualTo(TinyTokenizers.sentencePieceJson());
        assertThat(Files.readString(llama3.resolve("tokenizer.json"))).isEqualTo(TinyTokenizers.byteLevelJson());
        ModelConfig config = ModelConfig.read(llama3.resolve("config.json"));
        assertThat(config.ropeScaling()).isEqualTo(new ModelConfig.RopeScaling(8f, 1f, 4f, 256));
        assertThat(config.qkvBias()).isFalse();
        assertThat(ModelConfig.read(spm.resolve("config.json")).bosTokenId()).isEqualTo(1);
    }

    @Test
    void largerVocabularyLeavesRowsUnusedAndShardsSplitTheWeights() throws IOException {
        TinyModelSpec spec = new TinyModelSpec(32, 48, 3, 2, 1, 700, DType.F32, false, false, 3);
        TinyModelGenerator.generate(dir, Architecture.MISTRAL, TinyModelSpec.tiny(Architecture.MISTRAL), 5);
        Path model = TinyModelGenerator.generate(dir, Architecture.MISTRAL, spec, 5);
        assertThat(model.resolve("model.safetensors")).as("the earlier single file is gone").doesNotExist();
        assertThat(model.resolve(WeightSet.INDEX_FILE)).exists();
        assertThat(model.resolve("model-00003-of-00003.safetensors")).exists();
        try (WeightSet weights = WeightSet.open(model)) {
            assertThat(weights.info("lm_head.weight").shape()).containsExactly(700, 32);
            assertThat(weights.info("model.layers.2.mlp.down_proj.weight").shape()).containsExactly(32, 48);
            assertThat(weights.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(16, 32);
        }
    }

    @Test
    void rejectsAVocabularySmallerThanTheTokenizerAndImpossibleShapes() {
        TinyModelSpec small = new TinyModelSpec(32, 48, 1, 2, 1, 100, DType.F32, false, false, 1);
        assertThatThrownBy(() -> TinyModelGenerator.generate(dir, Architecture.LLAMA, small, 1))
                .hasMessageContaining("vocab size 100 is smaller than the tokenizer's " + TinyTokenizers.SENTENCE_PIECE_VOCAB_SIZE);
        assertThatThrownBy(() -> new TinyModelSpec(30, 48, 1, 4, 1, 0, DType.F32, false, false, 1))
                .hasMessageContaining("hidden size 30 must split into 4 heads");
        assertThatThrownBy(() -> new TinyModelSpec(32, 48, 1, 4, 3, 0, DType.F32, false, false, 1))
                .hasMessageContaining("multiple of kv heads 3");
        assertThatThrownBy(() -> new TinyModelSpec(32, 48, 0, 4, 2, 0, DType.F32, false, false, 1))
                .hasMessageContaining("layers 0");
    }

    @Test
    void smolLm2ShapeMatchesTheRealModel() {
        TinyModelSpec s = TinyModelSpec.smolLm2_135mShape();
        assertThat(s.hiddenSize()).isEqualTo(576);
        assertThat(s.headDim()).isEqualTo(64);
        assertThat(s.vocabSize()).isEqualTo(49152);
        assertThat(s.tieEmbeddings()).isTrue();
    }
}
