package dev.bastion.bench;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.tensor.GgmlQuantizer;
import dev.bastion.engine.tensor.Matrices;
import dev.bastion.engine.tensor.Matrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One weight matrix's products on one thread, per storage type, so kernels can be compared without the rest of the
 * model or the thread pool: {@code batch} is a 64-token prefill batch through {@code Matrix.matMulRows} (the ggml types'
 * tiled path: rows dequantized once per batch), {@code fused} the same batch through {@code dotRow4} four tokens at
 * a time (the kernels before tiling, and what BF16 runs), {@code decode} one token through {@code matVecRows} (decode's
 * kernels, several rows per pass for some types).
 * Shape: SmolLM2-135M's down projection (576 × 1536, whole K-quant super-blocks) by default, {@code -p rows=2048 -p
 * cols=8192} for Llama-3.2-1B's; ops/s × rows × cols is weights per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GgmlMatMulBenchmark {

    static final int TOKENS = 64;

    @Param({"BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"batch", "fused", "decode"})
    public String path;

    @Param({"576"})
    public int rows;

    @Param({"1536"})
    public int cols;

    private Arena arena;
    private Matrix matrix;
    private float[][] xs;
    private float[][] outs;

    @Setup
    public void setUp() {
        Random random = new Random(3);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.02f;
        StorageType storage = StorageType.valueOf(type);
        arena = Arena.ofShared();
        MemorySegment data;
        if (storage == StorageType.BF16) {
            data = arena.allocate((long) w.length * Short.BYTES, 64);
            for (int i = 0; i < w.length; i++) data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
        } else {
            byte[] blocks = GgmlQuantizer.quantize(storage, w);
            data = arena.allocate(blocks.length, 64).copyFrom(MemorySegment.ofArray(blocks));
        }
        matrix = Matrices.of(data, storage, rows, cols, arena);
        xs = new float[TOKENS][cols];
        outs = new float[TOKENS][rows];
        for (float[] x : xs) for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
    }

    /** One op is the path's whole product: 64 tokens for batch and fused, one for decode. */
    @Benchmark
    public float[][] product() {
        switch (path) {
            case "batch" -> matrix.matMulRows(0, rows, xs, TOKENS, outs, 0);
            case "fused" -> {
                for (int tile = 0; tile < rows; tile += Matrix.ROW_TILE) {
                    for (int t = 0; t < TOKENS; t += 4) {
                        for (int r = tile; r < tile + Matrix.ROW_TILE; r++) matrix.dotRow4(r, xs, t, outs, r);
                    }
                }
            }
            case "decode" -> matrix.matVecRows(0, rows, xs[0], outs[0], 0);
            default -> throw new IllegalArgumentException("unknown path " + path);
        }
        return outs;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }
}
