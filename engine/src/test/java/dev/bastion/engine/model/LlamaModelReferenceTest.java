package dev.bastion.engine.model;

import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
        ScalarReferenceModel reference = ScalarReferenceModel.load(modelDir);
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            assertThat(model.config().architecture()).isEqualTo(variant.arch());
            int vocab = model.config().vocabSize();
            int[] tokens = new Random(variant.name().hashCode()).ints(POSITIONS, 0, vocab).toArray();
            InferenceState fast = model.newState(POSITIONS);
            InferenceState slow = reference.newState(POSITIONS);
            double worst = 0;
            for (int pos = 0; pos < POSITIONS; pos++) {
                float[] expected = reference.forward(slow, tokens[pos], pos);
                float[] actual = model.forward(fast, tokens[pos], pos);
                assertThat(actual).hasSize(vocab);
                for (int i = 0; i < vocab; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                if (pos == 0 || pos == POSITIONS - 1) assertLogitsAreOrderOne(expected);
            }
            assertThat(worst).as("max |Δlogit| over %d positions", POSITIONS).isLessThanOrEqualTo(TOLERANCE);
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
