package dev.bastion.bench;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.tensor.GgmlQ8_0Matrix;
import dev.bastion.engine.tensor.GgmlQuantizer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Whether 8-bit activations pay on the Vector API: Q8_0 weights times four tokens' activations (one prefill step of a
 * row), as the engine does it (weights widened to float, float fmas; {@code float}) against the integer form llama.cpp
 * uses (activations quantized per 32-block, byte × byte products summed in ints, one float scale per block;
 * {@code int8}). llama.cpp gets its speed from AVX512-VNNI's vpdpbusd (64 byte products summed into 16 ints in one
 * instruction); the Vector API has no such operation, so the int8 form here has to widen bytes to shorts, multiply,
 * widen to ints and add — this benchmark measures what that costs. Single-threaded, the matrix in L2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class Int8DotBenchmark {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;

    @Param({"576", "1536"})
    public int cols;

    private static final int ROWS = 64;

    private GgmlQ8_0Matrix matrix;
    private MemorySegment blocks;
    private float[][] xs;
    private float[][] outs;
    /** The four tokens' activations quantized per block, and their scales. */
    private byte[][] xq;
    private float[][] xd;

    @Setup
    public void setUp() {
        Random random = new Random(3);
        float[] w = new float[ROWS * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.02f;
        blocks = MemorySegment.ofArray(GgmlQuantizer.quantize(StorageType.Q8_0, w));
        blocks = java.lang.foreign.Arena.ofAuto().allocate(blocks.byteSize(), 64).copyFrom(blocks);
        matrix = new GgmlQ8_0Matrix(blocks, ROWS, cols);
        xs = new float[4][cols];
        outs = new float[4][ROWS];
        xq = new byte[4][cols];
        xd = new float[4][cols / 32];
        for (float[] x : xs) for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
        for (int t = 0; t < 4; t++) quantize(xs[t], xq[t], xd[t]);
    }

    @Benchmark
    public float[][] float4() {
        for (int r = 0; r < ROWS; r++) matrix.dotRow4(r, xs, 0, outs, r);
        return outs;
    }

    @Benchmark
    public float[][] int8x4() {
        long rowBytes = cols / 32 * 34L;
        for (int r = 0; r < ROWS; r++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            long at = r * rowBytes;
            for (int b = 0; b < cols / 32; b++, at += 34) {
                float d = Float.float16ToFloat(blocks.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
                ShortVector lo = widen(ByteVector.fromMemorySegment(B, blocks, at + 2, ByteOrder.LITTLE_ENDIAN));
                ShortVector hi = widen(ByteVector.fromMemorySegment(B, blocks, at + 18, ByteOrder.LITTLE_ENDIAN));
                a0 = block(lo, hi, xq[0], xd[0], b, d, a0);
                a1 = block(lo, hi, xq[1], xd[1], b, d, a1);
                a2 = block(lo, hi, xq[2], xd[2], b, d, a2);
                a3 = block(lo, hi, xq[3], xd[3], b, d, a3);
            }
            outs[0][r] = a0.reduceLanes(VectorOperators.ADD);
            outs[1][r] = a1.reduceLanes(VectorOperators.ADD);
            outs[2][r] = a2.reduceLanes(VectorOperators.ADD);
            outs[3][r] = a3.reduceLanes(VectorOperators.ADD);
        }
        return outs;
    }

    /** One block: 32 byte products (two halves of 16, each widened to shorts) summed into 16 int lanes, then scaled. */
    private static FloatVector block(ShortVector lo, ShortVector hi, byte[] xq, float[] xd, int b, float d, FloatVector acc) {
        ShortVector pl = lo.mul(widen(ByteVector.fromArray(B, xq, b * 32))); // |p| <= 127 * 127 fits a short
        ShortVector ph = hi.mul(widen(ByteVector.fromArray(B, xq, b * 32 + 16)));
        IntVector sum = ((IntVector) pl.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) ph.convertShape(VectorOperators.S2I, I, 0));
        return ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d * xd[b]), acc);
    }

    private static ShortVector widen(ByteVector bytes) {
        return (ShortVector) bytes.convertShape(VectorOperators.B2S, S, 0);
    }

    @Benchmark
    public byte[][] quantizeActivations() {
        for (int t = 0; t < 4; t++) quantize(xs[t], xq[t], xd[t]);
        return xq;
    }

    /** ggml's quantize_row_q8_0 for activations: per block a scale amax / 127 and bytes rounded to nearest. */
    private static void quantize(float[] x, byte[] q, float[] d) {
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            for (int i = b * 32; i < b * 32 + 32; i++) amax = Math.max(amax, Math.abs(x[i]));
            float scale = amax / 127, inverse = scale == 0 ? 0 : 1 / scale;
            d[b] = scale;
            for (int i = b * 32; i < b * 32 + 32; i++) q[i] = (byte) Math.round(x[i] * inverse);
        }
    }
}
