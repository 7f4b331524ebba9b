package dev.bastion.engine.model;

import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.SafeTensorsWriter;
import dev.bastion.engine.safetensors.WeightSet;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The optimized forward pass against the independent scalar reference, for every architecture and storage type. */
class LlamaModelReferenceTest {

    private static final int POSITIONS = 300;
    private static final double TOLERANCE = 1e-3;

    record Variant(String name, Architecture arch, TinyModelSpec spec) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Variant> variants() {
        TinyModelSpec llama = TinyModelSpec.tiny(Architecture.LLAMA);
        TinyModelSpec llama3 = llama.withLlama3RopeScaling(true);
        TinyModelSpec qwen2 = TinyModelSpec.tiny(Architecture.QWEN2);
        TinyModelSpec mistral = TinyModelSpec.tiny(Architecture.MISTRAL);
        return Stream.of(
                new Variant("llama sentencepiece F32", Architecture.LLAMA, llama.withDtype(DType.F32)),
                new Variant("llama sentencepiece BF16", Architecture.LLAMA, llama.withDtype(DType.BF16)),
                new Variant("llama F16", Architecture.LLAMA, llama.withDtype(DType.F16)),
                new Variant("llama3 rope scaling F32", Architecture.LLAMA, llama3.withDtype(DType.F32)),
                new Variant("llama3 rope scaling BF16", Architecture.LLAMA, llama3.withDtype(DType.BF16)),
                new Variant("qwen2 biases tied F32", Architecture.QWEN2, qwen2.withDtype(DType.F32)),
                new Variant("qwen2 biases tied BF16", Architecture.QWEN2, qwen2.withDtype(DType.BF16)),
                new Variant("qwen2 BF16 in 3 shards", Architecture.QWEN2, qwen2.withDtype(DType.BF16).withShards(3)),
                new Variant("mistral F32", Architecture.MISTRAL, mistral.withDtype(DType.F32)),
                new Variant("mistral BF16", Architecture.MISTRAL, mistral.withDtype(DType.BF16)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void logitsMatchTheScalarReferenceOver300Positions(Variant variant, @TempDir Path dir) throws Exception {
        Path modelDir = TinyModelFixture.model(dir, variant.arch(), variant.spec());
        assertMatchesReference(modelDir, variant.arch(), POSITIONS, variant.name().hashCode());
    }

    /** Models like Mistral Nemo set head_dim apart from hidden_size / heads, so q/o are not square. */
    @Test
    void headDimIndependentOfHiddenSize(@TempDir Path dir) throws Exception {
        Path modelDir = TinyModelFixture.model(dir, Architecture.MISTRAL, TinyModelSpec.tiny(Architecture.MISTRAL).withDtype(DType.F32));
        int headDim = 8, heads = 4, kvHeads = 2, hidden = 64;
        Path config = modelDir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"head_dim\" : 16", "\"head_dim\" : " + headDim));
        SafeTensorsWriter writer = SafeTensorsWriter.builder();
        Random random = new Random(5);
        try (WeightSet weights = WeightSet.open(modelDir)) {
            for (String name : weights.names()) {
                long[] shape = weights.info(name).shape();
                if (name.endsWith("q_proj.weight")) shape = new long[] {heads * headDim, hidden};
                else if (name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight")) shape = new long[] {kvHeads * headDim, hidden};
                else if (name.endsWith("o_proj.weight")) shape = new long[] {hidden, heads * headDim};
                else {
                    writer.add(name, DType.F32, shape, weights.readFloats(name));
                    continue;
                }
                float[] values = new float[(int) (shape[0] * shape[1])];
                for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() / Math.sqrt(shape[1]));
                writer.add(name, DType.F32, shape, values);
            }
        }
        writer.write(modelDir.resolve(WeightSet.SINGLE_FILE));
        assertMatchesReference(modelDir, Architecture.MISTRAL, 100, 3);
    }

    private static void assertMatchesReference(Path modelDir, Architecture arch, int positions, long seed) throws Exception {
        ScalarReferenceModel reference = ScalarReferenceModel.load(modelDir);
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            assertThat(model.config().architecture()).isEqualTo(arch);
            int vocab = model.config().vocabSize();
            int[] tokens = new Random(seed).ints(positions, 0, vocab).toArray();
            InferenceState fast = model.newState(positions);
            InferenceState slow = reference.newState(positions);
            double worst = 0;
            for (int pos = 0; pos < positions; pos++) {
                float[] expected = reference.forward(slow, tokens[pos], pos);
                float[] actual = model.forward(fast, tokens[pos], pos);
                assertThat(actual).hasSize(vocab);
                for (int i = 0; i < vocab; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                if (pos == 0 || pos == positions - 1) assertLogitsAreOrderOne(expected);
            }
            assertThat(worst).as("max |Δlogit| over %d positions", positions).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    /** A model whose logits are all ~0 would make the comparison vacuous. */
    private static void assertLogitsAreOrderOne(float[] logits) {
        double sum = 0, sumSq = 0, maxAbs = 0;
        for (float v : logits) {
            sum += v;
            sumSq += v * v;
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        double mean = sum / logits.length;
        double std = Math.sqrt(sumSq / logits.length - mean * mean);
        assertThat(std).as("logit spread").isBetween(0.3, 10.0);
        assertThat(maxAbs).isLessThan(50.0);
    }
}
