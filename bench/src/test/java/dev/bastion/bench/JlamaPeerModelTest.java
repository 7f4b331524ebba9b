package dev.bastion.bench;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.model.ScalarReferenceModel;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Jlama computes the same function as our engines on a generated model, so the benchmark compares like with like. */
class JlamaPeerModelTest {

    /** Small, but with rows of whole 32-weight blocks (Jlama's Q4), GQA and tied embeddings as in SmolLM2. */
    private static final TinyModelSpec SPEC = new TinyModelSpec(128, 256, 2, 4, 2, 0, DType.BF16, true, false, 1);

    @TempDir
    static Path dir;
    private static int[] tokens;

    @BeforeAll
    static void generate() throws IOException {
        TinyModelGenerator.generate(dir, Architecture.LLAMA, SPEC, 3);
        int vocab = ScalarReferenceModel.load(dir).config().vocabSize();
        tokens = new Random(11).ints(12, 0, vocab).toArray();
    }

    @Test
    void bf16LogitsMatchTheScalarReferenceAndOurs() throws IOException {
        try (LanguageModel jlama = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED);
             LanguageModel reference = ScalarReferenceModel.load(dir);
             LanguageModel bastion = LlamaModel.load(dir)) {
            LogitAgreement vsReference = LogitAgreement.compare(jlama, reference, tokens);
            LogitAgreement vsBastion = LogitAgreement.compare(jlama, bastion, tokens);

            assertThat(vsReference.maxAbsLogit()).isGreaterThan(0.5);
            assertThat(vsReference.maxAbsDiff()).isLessThan(1e-3);
            assertThat(vsReference.argmaxMatches()).isEqualTo(tokens.length);
            assertThat(vsBastion.maxAbsDiff()).isLessThan(1e-3);
        }
    }

    @Test
    void q4LogitsStayCloseToTheReference() throws IOException {
        try (LanguageModel jlama = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.Q4);
             LanguageModel reference = ScalarReferenceModel.load(dir)) {
            LogitAgreement agreement = LogitAgreement.compare(jlama, reference, tokens);

            // Quantized, so not equal; but an error as large as the logits themselves would mean a wrong computation.
            assertThat(agreement.maxAbsDiff()).isGreaterThan(1e-4).isLessThan(agreement.maxAbsLogit() / 2);
        }
    }

    @Test
    void batchedPrefillMatchesOurPrefillAndThenDecodesOnFromIt() throws IOException {
        try (LanguageModel jlama = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED);
             LanguageModel reference = ScalarReferenceModel.load(dir)) {
            InferenceState js = jlama.newState(tokens.length);
            InferenceState rs = reference.newState(tokens.length);
            int prompt = tokens.length - 1;
            float[] afterPrompt = jlama.prefill(js, Arrays.copyOf(tokens, prompt), 0).clone();

            assertThat(afterPrompt).containsExactly(reference.prefill(rs, Arrays.copyOf(tokens, prompt), 0), within(1e-3f));
            assertThat(jlama.forward(js, tokens[prompt], prompt)).containsExactly(reference.forward(rs, tokens[prompt], prompt), within(1e-3f));
        }
    }

    @Test
    void rewindingToAPositionRecomputesTheSameLogits() throws IOException {
        try (LanguageModel jlama = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED)) {
            InferenceState state = jlama.newState(8);
            for (int pos = 0; pos < 4; pos++) jlama.forward(state, tokens[pos], pos);
            float[] first = jlama.forward(state, tokens[4], 4).clone();
            jlama.forward(state, tokens[5], 5);

            assertThat(jlama.forward(state, tokens[4], 4)).containsExactly(first);
        }
    }

    @Test
    void rejectsBadTokensPositionsStatesAndContexts() throws IOException {
        try (LanguageModel jlama = JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED)) {
            InferenceState state = jlama.newState(4);
            int vocab = jlama.config().vocabSize();

            assertThatThrownBy(() -> jlama.forward(state, vocab, 0)).hasMessageContaining("token " + vocab);
            assertThatThrownBy(() -> jlama.forward(state, -1, 0)).hasMessageContaining("token -1");
            assertThatThrownBy(() -> jlama.forward(state, 0, 4)).hasMessageContaining("positions 4..4");
            assertThatThrownBy(() -> jlama.prefill(state, new int[] {0, 1, 2}, 2)).hasMessageContaining("positions 2..4");
            assertThatThrownBy(() -> jlama.prefill(state, new int[0], 0)).hasMessageContaining("at least one token");
            assertThatThrownBy(() -> jlama.forward(() -> 4, 0, 0)).hasMessageContaining("not a Jlama state");
            assertThatThrownBy(() -> jlama.newState(0)).hasMessageContaining("context length 0");
            assertThatThrownBy(() -> jlama.newState(1 << 20)).hasMessageContaining("context length " + (1 << 20));
        }
    }

    @Test
    void aMissingModelDirectoryIsNamed() {
        Path missing = dir.resolve("no-such-model");
        assertThatThrownBy(() -> JlamaPeerModel.load(missing, JlamaPeerModel.Weights.AS_STORED)).hasMessageContaining(missing.toString());
    }
}
