package dev.bastion.engine.model;

import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.SafeTensorsWriter;
import dev.bastion.engine.safetensors.WeightSet;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LlamaModelTest {

    @TempDir
    static Path shared;
    private static Path qwenDir;
    private static LlamaModel qwen;

    @BeforeAll
    static void loadQwen() throws IOException {
        qwenDir = TinyModelFixture.tinyModel(shared.resolve("qwen2"), Architecture.QWEN2);
        qwen = LlamaModel.load(qwenDir);
    }

    @AfterAll
    static void closeQwen() {
        qwen.close();
    }

    @Test
    void batchedPrefillGivesTheSameLogitsAsTokenByTokenForward() {
        int[] tokens = randomTokens(1, 45); // crosses several prefill batches
        InferenceState stepwise = qwen.newState(64);
        float[] expected = null;
        for (int i = 0; i < tokens.length; i++) expected = qwen.forward(stepwise, tokens[i], i).clone();

        InferenceState batched = qwen.newState(64);
        float[] prefix = qwen.prefill(batched, java.util.Arrays.copyOf(tokens, 20), 0).clone();
        float[] actual = qwen.prefill(batched, java.util.Arrays.copyOfRange(tokens, 20, 45), 20);
        // Bit for bit, however the tokens are batched: a reused KV cache must equal a fresh prefill.
        assertThat(actual).isEqualTo(expected);

        // The cache it left behind is the same too: the next decode step agrees.
        assertThat(qwen.forward(batched, 7, 45)).isEqualTo(qwen.forward(stepwise, 7, 45).clone());
        assertThat(prefix).isNotEqualTo(actual);
    }

    @Test
    void batchedPrefillEqualsForwardAcrossKvCacheGrowth() {
        int[] tokens = randomTokens(9, 300); // the cache starts at 256 positions and grows while these run
        InferenceState stepwise = qwen.newState(400);
        float[] expected = null;
        for (int i = 0; i < tokens.length; i++) expected = qwen.forward(stepwise, tokens[i], i);

        InferenceState batched = qwen.newState(400);
        qwen.prefill(batched, java.util.Arrays.copyOf(tokens, 250), 0);
        assertThat(qwen.prefill(batched, java.util.Arrays.copyOfRange(tokens, 250, 300), 250)).isEqualTo(expected);
        assertThat(qwen.forward(batched, 7, 300)).isEqualTo(qwen.forward(stepwise, 7, 300).clone());
    }

    @Test
    void prefillFromAnEarlierPositionOverwritesWhatTheStateHeldBeyondIt() {
        int[] tokens = randomTokens(3, 40);
        int[] other = randomTokens(4, 40);
        float[] fresh = qwen.prefill(qwen.newState(64), tokens, 0).clone();

        InferenceState reused = qwen.newState(64);
        qwen.prefill(reused, other, 0);
        int common = 13; // keep positions 0..12 only when they match: here they do not, so rebuild them from the prompt
        qwen.prefill(reused, java.util.Arrays.copyOf(tokens, common), 0);
        assertThat(qwen.prefill(reused, java.util.Arrays.copyOfRange(tokens, common, 40), common)).isEqualTo(fresh);
    }

    @Test
    void embedMatchesTheReferenceAndIsUnitLength() throws IOException {
        ScalarReferenceModel reference = ScalarReferenceModel.load(qwenDir);
        int[] tokens = randomTokens(2, 37);
        float[] actual = qwen.embed(qwen.newState(64), tokens);
        float[] expected = reference.embed(reference.newState(64), tokens);
        assertClose(actual, expected, 1e-4);
        double norm = 0;
        for (float v : actual) norm += v * v;
        assertThat(norm).isCloseTo(1.0, within(1e-5));
        assertThat(actual).hasSize(qwen.config().hiddenSize());
        assertThat(qwen.embed(qwen.newState(64), randomTokens(3, 37))).isNotEqualTo(actual);
    }

    @Test
    void embedRestartsTheStateFromPositionZero() {
        int[] tokens = randomTokens(4, 10);
        LlamaState state = qwen.newState(64);
        qwen.prefill(state, randomTokens(5, 30), 0);
        float[] afterUse = qwen.embed(state, tokens);
        assertThat(afterUse).isEqualTo(qwen.embed(qwen.newState(64), tokens));
        assertThat(state.length()).isEqualTo(tokens.length);
    }

    @Test
    void twoStatesOnTwoThreadsGiveTheSameLogitsAsSequentialRuns() throws Exception {
        int[] a = randomTokens(6, 60);
        int[] b = randomTokens(7, 60);
        float[] aAlone = decodeAll(a);
        float[] bAlone = decodeAll(b);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<float[]> runA = () -> decodeAll(a);
            Callable<float[]> runB = () -> decodeAll(b);
            for (int round = 0; round < 3; round++) {
                Future<float[]> fa = pool.submit(runA);
                Future<float[]> fb = pool.submit(runB);
                assertThat(fa.get()).isEqualTo(aAlone);
                assertThat(fb.get()).isEqualTo(bAlone);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsHostileTokensPositionsAndStates() throws IOException {
        LlamaState state = qwen.newState(8);
        int vocab = qwen.config().vocabSize();
        assertThatThrownBy(() -> qwen.forward(state, -1, 0)).hasMessageContaining("token id -1 at index 0 is outside the vocabulary [0, " + vocab + ")");
        assertThatThrownBy(() -> qwen.forward(state, vocab, 0)).hasMessageContaining("token id " + vocab);
        assertThatThrownBy(() -> qwen.forward(state, 1, 1)).hasMessageContaining("position 1 is invalid").hasMessageContaining("at most 0");
        assertThatThrownBy(() -> qwen.forward(state, 1, -3)).hasMessageContaining("position -3 is invalid");
        assertThatThrownBy(() -> qwen.prefill(state, new int[9], 0)).hasMessageContaining("position 8 exceeds the context length 8");
        assertThatThrownBy(() -> qwen.prefill(state, new int[0], 0)).hasMessageContaining("at least one token");
        assertThatThrownBy(() -> qwen.embed(state, new int[0])).hasMessageContaining("at least one token");
        assertThatThrownBy(() -> qwen.newState(0)).hasMessageContaining("context length must be positive");
        assertThatThrownBy(() -> qwen.newState(Integer.MAX_VALUE)).hasMessageContaining("too large");
        ScalarReferenceModel other = ScalarReferenceModel.load(qwenDir);
        assertThatThrownBy(() -> qwen.forward(other.newState(8), 1, 0)).hasMessageContaining("not created by this model");
        try (LlamaModel twin = LlamaModel.load(qwenDir)) {
            assertThatThrownBy(() -> twin.forward(state, 1, 0)).hasMessageContaining("not created by this model");
        }
        // A bad token late in a prompt is caught before anything runs.
        assertThatThrownBy(() -> qwen.prefill(state, new int[] {1, 2, 3, 4, 5, 6, 7, vocab + 5}, 0)).hasMessageContaining("token id " + (vocab + 5) + " at index 7");
        assertThat(state.length()).isZero();
        // Rewinding to an earlier position (re-using a cached prefix) is allowed.
        qwen.prefill(state, new int[] {1, 2, 3}, 0);
        assertThat(qwen.forward(state, 4, 1)).hasSize(vocab);
        assertThat(state.length()).isEqualTo(2);
    }

    @Test
    void q8ModelStaysCloseToTheStoredWeights(@TempDir Path dir) throws IOException {
        Path model = TinyModelFixture.model(dir, Architecture.LLAMA, TinyModelSpec.tiny(Architecture.LLAMA).withDtype(DType.F32));
        int positions = 64;
        try (LlamaModel exact = LlamaModel.load(model); LlamaModel q8 = LlamaModel.load(model, WeightFormat.Q8_0)) {
            int[] tokens = new Random(9).ints(positions, 0, exact.config().vocabSize()).toArray();
            InferenceState a = exact.newState(positions), b = q8.newState(positions);
            double worst = 0;
            int sameArgmax = 0;
            for (int pos = 0; pos < positions; pos++) {
                float[] expected = exact.forward(a, tokens[pos], pos);
                float[] actual = q8.forward(b, tokens[pos], pos);
                double diff = 0;
                for (int i = 0; i < actual.length; i++) diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
                worst = Math.max(worst, diff);
                if (argmax(actual) == argmax(expected)) sameArgmax++;
            }
            assertThat(worst).as("quantization changes logits a little").isGreaterThan(1e-4).isLessThan(0.25);
            assertThat(sameArgmax).isGreaterThanOrEqualTo(positions * 9 / 10);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    @Test
    void missingTensorIsNamed(@TempDir Path dir) throws IOException {
        Path model = TinyModelFixture.tinyModel(dir, Architecture.LLAMA);
        rewriteWeights(model, (name, values) -> name.equals("model.layers.1.self_attn.k_proj.weight") ? null : values);
        assertThatThrownBy(() -> LlamaModel.load(model)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing tensor 'model.layers.1.self_attn.k_proj.weight' (expected shape [32, 64])")
                .hasMessageContaining(model.toString());
    }

    @Test
    void missingBiasOfAQwen2ModelIsNamed(@TempDir Path dir) throws IOException {
        Path model = TinyModelFixture.tinyModel(dir, Architecture.QWEN2);
        rewriteWeights(model, (name, values) -> name.equals("model.layers.0.self_attn.v_proj.bias") ? null : values);
        assertThatThrownBy(() -> LlamaModel.load(model)).hasMessageContaining("missing tensor 'model.layers.0.self_attn.v_proj.bias'");
    }

    @Test
    void tensorOfTheWrongShapeIsNamedWithBothShapes(@TempDir Path dir) throws IOException {
        Path model = TinyModelFixture.tinyModel(dir, Architecture.MISTRAL);
        Path config = model.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"intermediate_size\" : 176", "\"intermediate_size\" : 170"));
        assertThatThrownBy(() -> LlamaModel.load(model)).isInstanceOf(IOException.class)
                .hasMessageContaining("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [176, 64], but config.json implies [170, 64]");
    }

    @Test
    void unsupportedArchitectureIsNamed(@TempDir Path dir) throws IOException {
        Path model = TinyModelFixture.tinyModel(dir, Architecture.LLAMA);
        Path config = model.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        assertThatThrownBy(() -> LlamaModel.load(model)).isInstanceOf(IOException.class)
                .hasMessageContaining("config.json").hasMessageContaining("unsupported architecture 'GPT2LMHeadModel'");
    }

    @Test
    void missingLmHeadFallsBackToTheEmbeddings(@TempDir Path dir) throws IOException {
        Path model = TinyModelFixture.tinyModel(dir, Architecture.LLAMA);
        float[][] embeddings = new float[1][];
        rewriteWeights(model, (name, values) -> {
            if (name.equals("model.embed_tokens.weight")) embeddings[0] = values;
            return name.equals("lm_head.weight") ? null : values;
        });
        ScalarReferenceModel reference = ScalarReferenceModel.load(model);
        try (LlamaModel untied = LlamaModel.load(model)) {
            int[] tokens = randomTokens(8, 5);
            assertClose(untied.prefill(untied.newState(8), tokens, 0), reference.prefill(reference.newState(8), tokens, 0), 1e-3);
        }
        assertThat(embeddings[0]).isNotNull();
    }

    private static float[] decodeAll(int[] tokens) {
        InferenceState state = qwen.newState(tokens.length);
        float[] logits = null;
        for (int i = 0; i < tokens.length; i++) logits = qwen.forward(state, tokens[i], i);
        return logits.clone();
    }

    private static int[] randomTokens(long seed, int count) {
        return new Random(seed).ints(count, 0, qwen.config().vocabSize()).toArray();
    }

    /** Rewrites the model's weights as F32, passing each tensor through {@code edit} (null drops it). */
    private static void rewriteWeights(Path model, BiFunction<String, float[], float[]> edit) throws IOException {
        SafeTensorsWriter writer = SafeTensorsWriter.builder();
        try (WeightSet weights = WeightSet.open(model)) {
            for (String name : weights.names()) {
                float[] values = edit.apply(name, weights.readFloats(name));
                if (values != null) writer.add(name, DType.F32, weights.info(name).shape(), values);
            }
        }
        writer.write(model.resolve(WeightSet.SINGLE_FILE));
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        assertThat(worst).as("max |Δ|").isLessThanOrEqualTo(tolerance);
    }
}
