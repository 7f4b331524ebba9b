package dev.bastion.bench;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.tensor.Bf16Matrix;
import dev.bastion.engine.tensor.GgmlQuantizer;
import dev.bastion.engine.tensor.Matrices;
import dev.bastion.engine.tensor.Matrix;
import org.openjdk.jmh.annotations.AuxCounters;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One matrix of Llama-3.2-1B's shapes times a 64-token prefill batch on one thread. {@code after} is
 * {@code Bf16Matrix.matMulRows} (4-row by 6-token register tiles), {@code before} the 4x4 kernel it replaced
 * ({@link TileKernelsBefore}), {@code blocked} the column-blocked experiment ({@link TileKernelsBlocked}), {@code q8_0}
 * the same weights quantized to Q8_0 through {@code GgmlQ8_0Matrix.matMulRows} (dequantized tiles). Shapes are rows ×
 * cols: q/o projections 2048 × 2048, gate or up 8192 × 2048, down 2048 × 8192. Besides ops/s it counts GFLOP done and thread CPU seconds spent ({@code gflop}, {@code cpuSeconds}),
 * so on a busy machine their ratio is GFLOP/s per CPU-second:
 * {@code java -jar bench/target/benchmarks.jar LongRowBenchmark -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LongRowBenchmark {

    static final int TOKENS = 64;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Param({"2048x2048", "8192x2048", "2048x8192"})
    public String shape;

    @Param({"before", "after", "blocked", "q8_0"})
    public String variant;

    private int rows;
    private int cols;
    private Arena arena;
    private Matrix matrix;
    private float[][] xs;
    private float[][] outs;
    private float[] tile;
    private float[] row;
    private float[] acc;

    /** Work and thread CPU time per iteration; their ratio is the kernel's GFLOP/s per CPU-second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        public double gflop;
        public double cpuSeconds;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
            cpuSeconds = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] dims = shape.split("x");
        rows = Integer.parseInt(dims[0]);
        cols = Integer.parseInt(dims[1]);
        Random random = new Random(3);
        arena = Arena.ofShared();
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.02f;
        if (variant.equals("q8_0")) {
            byte[] blocks = GgmlQuantizer.quantize(StorageType.Q8_0, w);
            matrix = Matrices.of(arena.allocate(blocks.length, 64).copyFrom(MemorySegment.ofArray(blocks)), StorageType.Q8_0, rows, cols, arena);
        } else {
            MemorySegment data = arena.allocate((long) w.length * Short.BYTES, 64);
            for (int i = 0; i < w.length; i++) data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
            matrix = new Bf16Matrix(data, rows, cols);
        }
        xs = new float[TOKENS][cols];
        outs = new float[TOKENS][rows];
        for (float[] x : xs) for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
        tile = new float[Math.max(Matrix.ROW_TILE, TileKernelsBlocked.ROWS) * cols];
        row = new float[cols];
        acc = new float[Math.max(TileKernelsBefore.scratchSize(), TileKernelsBlocked.accumulatorFloats(TileKernelsBlocked.ROWS, TOKENS))];
    }

    /** One op is the whole matrix times 64 tokens. */
    @Benchmark
    public float[][] product(Cpu cpu) {
        long start = THREADS.getCurrentThreadCpuTime();
        switch (variant) {
            case "before" -> before();
            case "blocked" -> blocked();
            default -> matrix.matMulRows(0, rows, xs, TOKENS, outs, 0);
        }
        cpu.cpuSeconds += (THREADS.getCurrentThreadCpuTime() - start) * 1e-9;
        cpu.gflop += 2.0 * rows * cols * TOKENS * 1e-9;
        return outs;
    }

    /** The replaced {@code Bf16Matrix.matMulRows} (widening through a row buffer: one more copy per weight per batch). */
    private void before() {
        for (int first = 0; first < rows; first += Matrix.ROW_TILE) {
            int tileRows = Math.min(rows, first + Matrix.ROW_TILE) - first;
            for (int r = 0; r < tileRows; r++) {
                matrix.copyRow(first + r, row);
                System.arraycopy(row, 0, tile, r * cols, cols);
            }
            TileKernelsBefore.tileTimesBatch(tile, tileRows, cols, xs, TOKENS, outs, first, acc);
        }
    }

    /** {@link TileKernelsBlocked}: tiles of its ROWS rows widened into its column-block layout. */
    private void blocked() {
        int tileRows = TileKernelsBlocked.ROWS;
        for (int first = 0; first < rows; first += tileRows) {
            int n = Math.min(rows, first + tileRows) - first;
            for (int r = 0; r < n; r++) {
                matrix.copyRow(first + r, row);
                for (int c = 0; c < cols; c += TileKernelsBlocked.COLUMNS) {
                    System.arraycopy(row, c, tile, TileKernelsBlocked.offset(n, cols, r, c), Math.min(TileKernelsBlocked.COLUMNS, cols - c));
                }
            }
            TileKernelsBlocked.tileTimesBatch(tile, n, cols, xs, TOKENS, outs, first, acc);
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }
}
