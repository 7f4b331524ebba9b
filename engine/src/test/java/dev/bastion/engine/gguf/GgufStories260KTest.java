package dev.bastion.engine.gguf;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.tensor.GgmlQuantizer;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * stories260K exported to GGUF the way llama.cpp's converter would (q/k rows permuted, SentencePiece scores) runs
 * exactly like its SafeTensors form.
 */
class GgufStories260KTest {

    private final Stories260K.Reference reference = Stories260K.reference();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = StorageType.class, names = {"F32", "F16", "BF16"})
    void greedyOutputEqualsTheReference(StorageType type) throws IOException {
        Path gguf = GgufExport.export(Stories260K.directory(), dir.resolve("stories.gguf"), type, GgufModelExport.Vocabulary.LLAMA);
        try (Checkpoint checkpoint = ModelFormat.open(gguf); LanguageModel model = checkpoint.load(WeightFormat.AS_STORED)) {
            assertThat(checkpoint.format().name()).isEqualTo("gguf");
            assertThat(model.config().ropeStyle()).isEqualTo(ModelConfig.RopeStyle.ADJACENT);
            int[] expected = reference.greedyIds();
            if (type != StorageType.F32) {
                // F16/BF16 round the weights: compared against the SafeTensors model stored the same way.
                try (LanguageModel twin = safeTensorsStoredAs(type == StorageType.F16 ? DType.F16 : DType.BF16)) {
                    expected = greedy(twin, reference.promptIds(), expected.length);
                }
            }
            assertThat(greedy(model, reference.promptIds(), expected.length)).containsExactly(expected);
        }
    }

    private LanguageModel safeTensorsStoredAs(DType matrices) throws IOException {
        Path twin = Stories260K.copyTo(dir.resolve(matrices.name()));
        rewrite(twin.resolve("model.safetensors"), matrices);
        return ModelFormat.open(twin).load(WeightFormat.AS_STORED);
    }

    private static void rewrite(Path file, DType matrices) throws IOException {
        var writer = dev.bastion.engine.safetensors.SafeTensorsWriter.builder();
        try (var in = dev.bastion.engine.safetensors.SafeTensorsFile.open(file)) {
            for (var info : in.tensors().values()) {
                DType dtype = info.shape().length == 2 ? matrices : DType.F32;
                writer.add(info.name(), dtype, info.shape(), in.readFloats(info.name()));
            }
        }
        Path tmp = file.resolveSibling("tmp.safetensors");
        writer.write(tmp);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Stored ggml blocks (quantized by GgmlQuantizer, used in place by its kernels) drift from the F32 logits: Q8_0
     * keeps the reference's first 20 tokens, Q4_0 its first 5 (stories260K's rows of 64 and 172 hold no 256-weight
     * K-quant super-blocks, so only 32-weight types apply). The logits' RMS error against F32 is printed and bounded.
     */
    @ParameterizedTest
    @EnumSource(value = StorageType.class, names = {"Q8_0", "Q4_0"})
    void quantizedFilesStartTheSameStory(StorageType type) throws IOException {
        int agree = type == StorageType.Q8_0 ? 20 : 5;
        double maxRms = type == StorageType.Q8_0 ? 0.1 : 2.0; // measured: 0.055 and 1.22
        Path gguf = GgufExport.export(Stories260K.directory(), dir.resolve("stories.gguf"), type,
                (values, shape) -> MemorySegment.ofArray(GgmlQuantizer.quantize(type, values)), GgufModelExport.Vocabulary.LLAMA);
        try (Checkpoint checkpoint = ModelFormat.open(gguf); LanguageModel model = checkpoint.load(WeightFormat.AS_STORED);
             LanguageModel f32 = ModelFormat.open(Stories260K.directory()).load(WeightFormat.AS_STORED)) {
            assertThat(checkpoint.tensors().get("model.layers.0.self_attn.q_proj.weight").type()).isEqualTo(type);
            int[] expected = Arrays.copyOf(reference.greedyIds(), agree);
            assertThat(greedy(model, reference.promptIds(), agree)).containsExactly(expected);
            double rms = logitsRms(model, f32, expected);
            System.out.printf("stories260K GGUF %s: logits RMS error vs F32 over %d positions = %.5f%n", type, agree, rms);
            assertThat(rms).isLessThan(maxRms);
        }
    }

    /** The RMS difference of the two models' logits along the same token sequence. */
    private static double logitsRms(LanguageModel a, LanguageModel b, int[] tokens) {
        InferenceState sa = a.newState(tokens.length + 1);
        InferenceState sb = b.newState(tokens.length + 1);
        double sum = 0;
        long n = 0;
        int token = 1;
        for (int pos = 0; pos < tokens.length; pos++) {
            float[] la = a.forward(sa, token, pos);
            float[] lb = b.forward(sb, token, pos);
            for (int i = 0; i < la.length; i++) {
                double d = la[i] - lb[i];
                sum += d * d;
                n++;
            }
            token = tokens[pos];
        }
        return Math.sqrt(sum / n);
    }

    @Test
    void runtimeLoadsTheFileAndItsSentencePieceVocabularyEncodesLikeTheOriginal() throws IOException {
        Path gguf = GgufExport.export(Stories260K.directory(), dir.resolve("stories.gguf"), StorageType.F32, GgufModelExport.Vocabulary.LLAMA);
        Tokenizer original = Tokenizer.load(Stories260K.directory().resolve("tokenizer.json"));
        try (Checkpoint checkpoint = ModelFormat.open(gguf)) {
            Tokenizer fromGguf = checkpoint.tokenizer();
            assertThat(fromGguf.vocabSize()).isEqualTo(original.vocabSize());
            for (String text : List.of("Once upon a time, there was a little girl named Lily.", "  two  spaces",
                    "Tom said: \"I'm happy!\" 123 çé ✓ 日本", "", "<s>x</s>")) {
                assertThat(fromGguf.encode(text)).as(text).containsExactly(original.encode(text));
            }
            assertThat(fromGguf.decode(reference.greedyIds())).isEqualTo(original.decode(reference.greedyIds()));
            assertThat(checkpoint.tokenizerConfig().bosToken()).isEqualTo("<s>");
            assertThat(checkpoint.tokenizerConfig().addBosToken()).isTrue();
        }
        try (LocalModelRuntime runtime = LocalModelRuntime.load(gguf)) {
            assertThat(runtime.eosTokenIds()).contains(2);
        }
    }

    static int[] greedy(LanguageModel model, int[] prompt, int steps) {
        InferenceState state = model.newState(prompt.length + steps);
        float[] logits = model.prefill(state, prompt, 0);
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = argmax(logits);
            if (i + 1 < steps) logits = model.forward(state, out[i], prompt.length + i);
        }
        return out;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
