package dev.bastion.bench;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.model.ScalarReferenceModel;
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
 * Decode throughput (one token per op) on a generated model of SmolLM2-135M's shape (BF16, tied embeddings; or
 * {@code -p shape=llama-3.2-1b}): the
 * optimized {@link LlamaModel} against two peers in the same run, the scalar reference and Jlama ({@link JlamaPeerModel}). Each op decodes at a position
 * in a fixed window {@code [PREFIX, PREFIX + WINDOW)}, rewinding at its end, so attention cost stays comparable.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class DecodeBenchmark {

    static final int PREFIX = 16;
    static final int WINDOW = 32;

    /**
     * optimized: LlamaModel on the BF16 weights as stored; q8: LlamaModel quantized to Q8_0; reference:
     * ScalarReferenceModel; jlama: Jlama on the BF16 weights; jlama-q4: Jlama quantized to Q4 (it has no Q8 kernel).
     */
    @Param({"optimized", "q8", "reference", "jlama", "jlama-q4"})
    public String implementation;

    /**
     * forkjoin: every parallel job on the common fork-join pool (the default); spin: {@code Parallel}'s spinning
     * workers ({@code -Dbastion.parallel.spin=true}). {@code -p pool=forkjoin,spin} for a same-run A/B: each value runs
     * in its own fork, and the property is read when the first job runs, after this setup sets it.
     */
    @Param({"forkjoin"})
    public String pool;

    /**
     * A shape {@code bin/bench --shapes} knows: smollm2-135m or llama-3.2-1b (~2.5 GB of BF16 weights: give the fork
     * {@code -jvmArgsAppend -Xmx9g}; only optimized and q8 are worth running there).
     */
    @Param({"smollm2-135m"})
    public String shape;

    private Path dir;
    private LanguageModel model;
    private InferenceState state;
    private int[] tokens;
    private int pos;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        System.setProperty("bastion.parallel.spin", String.valueOf(pool.equals("spin")));
        dir = shape.equals("smollm2-135m") ? BenchModels.generate()
                : BenchModels.generateWithFullVocabulary(Files.createTempDirectory("bastion-bench-"), BenchModels.shape(shape));
        model = switch (implementation) {
            case "optimized" -> LlamaModel.load(dir);
            case "q8" -> LlamaModel.load(dir, WeightFormat.Q8_0);
            case "reference" -> ScalarReferenceModel.load(dir);
            case "jlama" -> JlamaPeerModel.load(dir, JlamaPeerModel.Weights.AS_STORED);
            case "jlama-q4" -> JlamaPeerModel.load(dir, JlamaPeerModel.Weights.Q4);
            default -> throw new IllegalArgumentException("unknown implementation " + implementation);
        };
        ModelConfig config = model.config();
        tokens = new Random(7).ints(PREFIX + WINDOW, 0, config.vocabSize()).toArray();
        state = model.newState(PREFIX + WINDOW);
        for (int i = 0; i < PREFIX; i++) model.forward(state, tokens[i], i);
        pos = PREFIX;
    }

    @Benchmark
    public float[] decodeStep() {
        float[] logits = model.forward(state, tokens[pos], pos);
        pos = pos + 1 == PREFIX + WINDOW ? PREFIX : pos + 1;
        return logits;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        model.close();
        BenchModels.delete(dir);
    }
}
