package dev.bastion.bench;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.model.WeightFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Prompt processing of {@link #prompt} tokens on SmolLM2-135M's shape (or {@code -p shape=llama-3.2-1b}, ~2.5 GB of
 * random BF16 weights on disk, generated in the heap: pass {@code -jvmArgsAppend} with {@code -Xmx9g} and the vector
 * module flags): our batched prefill against our token-by-token forward and against Jlama's batched
 * prefill ({@link JlamaPeerModel}, BF16 weights, F32 activations).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class PrefillBenchmark {

    /** Prompt lengths in tokens: short prompts are dominated by the projections, long ones add attention's quadratic cost. */
    @Param({"64", "512"})
    public int prompt;

    /** batched: our prefill; q8: our prefill on Q8_0 weights; stepwise: our forward token by token; jlama: Jlama's batched prefill. */
    @Param({"batched", "q8", "stepwise", "jlama"})
    public String mode;

    /** A shape {@code bin/bench --shapes} knows: smollm2-135m or llama-3.2-1b. */
    @Param({"smollm2-135m"})
    public String shape;

    private Path dir;
    private LanguageModel model;
    private InferenceState state;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = shape.equals("smollm2-135m") ? BenchModels.generate()
                : BenchModels.generateWithFullVocabulary(Files.createTempDirectory("bastion-bench-"), BenchModels.shape(shape));
        model = switch (mode) {
            case "jlama" -> JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED);
            case "q8" -> LlamaModel.load(dir, WeightFormat.Q8_0);
            default -> LlamaModel.load(dir);
        };
        tokens = new Random(7).ints(prompt, 0, model.config().vocabSize()).toArray();
        state = model.newState(prompt);
    }

    /** One op is a whole prompt; tokens/s is ops/s × {@link #prompt}. */
    @Benchmark
    public float[] prefillPrompt() {
        if (!mode.equals("stepwise")) return model.prefill(state, tokens, 0);
        float[] logits = null;
        for (int i = 0; i < tokens.length; i++) logits = model.forward(state, tokens[i], i);
        return logits;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        model.close();
        BenchModels.delete(dir);
    }
}
