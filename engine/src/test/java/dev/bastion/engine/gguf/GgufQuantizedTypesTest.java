package dev.bastion.engine.gguf;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.tensor.GgmlQuantizer;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every ggml block type loads from a GGUF file and is used in place: a random Llama with rows of 256 (whole K-quant
 * super-blocks) gives logits whose error against its F32 form is printed and bounded per type (relative RMS: the RMS
 * of the difference over the RMS of the F32 logits; bounds about 1.5 times what was measured; random weights amplify
 * errors more than trained ones). Q8_0 blocks stored in the file must be as good as the engine's own Q8_0 at load.
 */
class GgufQuantizedTypesTest {

    @TempDir
    static Path dir;
    static Path hf;
    private static final int[] PROMPT = {1, 20, 33, 47, 58, 61, 70, 85};

    @BeforeAll
    static void model() {
        hf = TinyModelFixture.model(dir.resolve("hf"), Architecture.LLAMA,
                new TinyModelSpec(256, 512, 2, 4, 2, 0, DType.F32, false, false, 1));
    }

    @ParameterizedTest
    @CsvSource({"Q8_0, 0.04", "Q6_K, 0.12", "Q5_K, 0.2", "Q4_K, 0.4", "Q4_0, 0.45"}) // measured 0.024, 0.075, 0.13, 0.26, 0.31
    void logitsStayCloseToF32(StorageType type, double maxRelativeRms) throws IOException {
        Path gguf = GgufExport.export(hf, dir.resolve(type + ".gguf"), type,
                (values, shape) -> MemorySegment.ofArray(GgmlQuantizer.quantize(type, values)), GgufModelExport.Vocabulary.LLAMA);
        try (Checkpoint checkpoint = ModelFormat.open(gguf); LanguageModel quantized = checkpoint.load(WeightFormat.AS_STORED);
             LanguageModel f32 = ModelFormat.open(hf).load(WeightFormat.AS_STORED)) {
            assertThat(checkpoint.tensors().get("model.layers.1.mlp.down_proj.weight").type()).isEqualTo(type);
            assertThat(checkpoint.tensors().get("model.embed_tokens.weight").type()).isEqualTo(type);
            float[] expected = f32.prefill(f32.newState(PROMPT.length), PROMPT, 0).clone();
            InferenceState state = quantized.newState(PROMPT.length);
            float[] actual = quantized.prefill(state, PROMPT, 0);
            double relative = relativeRms(actual, expected);
            System.out.printf("GGUF %s: logits relative RMS error vs F32 = %.4f%n", type, relative);
            assertThat(relative).isLessThan(maxRelativeRms).isGreaterThan(0);
            if (type == StorageType.Q8_0) {
                try (LanguageModel atLoad = ModelFormat.open(hf).load(WeightFormat.Q8_0)) {
                    double own = relativeRms(atLoad.prefill(atLoad.newState(PROMPT.length), PROMPT, 0), expected);
                    System.out.printf("engine Q8_0 at load: logits relative RMS error vs F32 = %.4f%n", own);
                    assertThat(relative).isLessThan(own * 1.5);
                }
            }
        }
    }

    /**
     * The bit-identity contract on block weights: prompts of 20 and 25 tokens take the tiled batch kernels (rows
     * dequantized once per batch), single tokens the fused ones; a token's logits must not depend on which ran.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0", "Q6_K", "Q5_K", "Q4_K", "Q4_0"})
    void batchedPrefillOnBlockWeightsEqualsTokenByTokenForward(StorageType type) throws IOException {
        Path gguf = GgufExport.export(hf, dir.resolve(type + "-batched.gguf"), type,
                (values, shape) -> MemorySegment.ofArray(GgmlQuantizer.quantize(type, values)), GgufModelExport.Vocabulary.LLAMA);
        int[] tokens = new java.util.Random(11).ints(45, 0, 90).toArray();
        try (Checkpoint checkpoint = ModelFormat.open(gguf); LanguageModel model = checkpoint.load(WeightFormat.AS_STORED)) {
            InferenceState stepwise = model.newState(64);
            float[] expected = null;
            for (int i = 0; i < tokens.length; i++) expected = model.forward(stepwise, tokens[i], i).clone();
            InferenceState batched = model.newState(64);
            model.prefill(batched, java.util.Arrays.copyOf(tokens, 20), 0);
            assertThat(model.prefill(batched, java.util.Arrays.copyOfRange(tokens, 20, 45), 20)).isEqualTo(expected);
            assertThat(model.forward(batched, 7, 45)).isEqualTo(model.forward(stepwise, 7, 45).clone());
        }
    }

    private static double relativeRms(float[] actual, float[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - expected[i]) * (double) (actual[i] - expected[i]);
            norm += expected[i] * (double) expected[i];
        }
        return Math.sqrt(diff / norm);
    }
}
