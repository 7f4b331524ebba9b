package dev.bastion.bench;

import dev.bastion.engine.tensor.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The thread pool's cost per decoder layer: the five parallel jobs of a decode step's layer (qkv, attention heads,
 * o, gate/up, down) with bodies that do almost nothing, so the time is what {@link Parallel} spends splitting, waking
 * workers and joining. On 2 and 16 threads (the common pool's parallelism is fixed per JVM, so one fork each);
 * {@code inline} is the same loop without the pool, the floor; {@code layerOn2ThreadsSpin} the spinning workers
 * ({@code SpinPool}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ParallelBenchmark {

    /** SmolLM2-135M's layer: rows and columns of each product, and the attention heads. */
    private static final int[][] JOBS = {{576 + 2 * 192, 576}, {9, 2 * 64 * 64}, {576, 576}, {2 * 1536, 576}, {576, 1536}};

    private final float[] sink = new float[4096];

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=1")
    public float layerOn2Threads() {
        return layer();
    }

    /** The same on Parallel's spinning workers ({@code -Dbastion.parallel.spin=true}). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Djava.util.concurrent.ForkJoinPool.common.parallelism=1", "-Dbastion.parallel.spin=true"})
    public float layerOn2ThreadsSpin() {
        return layer();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=15")
    public float layerOn16Threads() {
        return layer();
    }

    @Benchmark
    @Fork(value = 1)
    public float inline() {
        for (int[] job : JOBS) touch(0, job[0]);
        return sink[0];
    }

    private float layer() {
        for (int[] job : JOBS) Parallel.forRange(job[0], job[1], this::touch);
        return sink[0];
    }

    /** A token amount of work per index, so the job is not optimized away. */
    private void touch(int from, int to) {
        for (int i = from; i < to; i++) sink[i & 4095] += 1f;
    }
}
