package dev.bastion.bench;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.tensor.GgmlQuantizer;
import dev.bastion.engine.tensor.Matrices;
import dev.bastion.engine.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One-token products (decode's {@code matVecRows} over every row, on one thread) per storage type, timed in this
 * thread's CPU time so other processes on a busy machine drop out. F32 is the "ideal" baseline: the same multiply-adds
 * with nothing to unpack. Types are measured round-robin, so a slow minute slows all alike; it prints weights per
 * CPU-nanosecond as median [min..max] of the rounds. BF16 (the weights' top halves) is the peer a quantized type must beat:
 * it reads twice Q8_0's bytes.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.bastion.bench.DecodeKernelCpu
 * [types] [rows] [cols] [rounds]}, e.g. {@code F32,Q8_0,Q4_0,Q4_K,Q5_K,Q6_K 576 1536 15} (BF16 too). Running the same class against
 * an older engine jar on the class path gives a before/after.
 */
public final class DecodeKernelCpu {

    private static final long ROUND_NANOS = 200_000_000L;

    private DecodeKernelCpu() {}

    public static void main(String[] args) {
        List<StorageType> types = Arrays.stream((args.length > 0 ? args[0] : "F32,Q8_0,Q4_0,Q4_K,Q5_K,Q6_K").split(","))
                .map(StorageType::valueOf).toList();
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 576;
        int cols = args.length > 2 ? Integer.parseInt(args[2]) : 1536;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        Random random = new Random(3);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
        float[] out = new float[rows];
        try (Arena arena = Arena.ofShared()) {
            List<Matrix> matrices = new ArrayList<>();
            for (StorageType type : types) matrices.add(matrix(type, rows, cols, random, arena));
            for (Matrix m : matrices) spin(m, x, out, 3_000_000_000L, cpu); // the JIT compiles every kernel first
            double[][] rates = new double[types.size()][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < matrices.size(); k++) rates[k][round] = spin(matrices.get(k), x, out, ROUND_NANOS, cpu);
            }
            System.out.printf("%d x %d, one thread, weights per CPU-ns, median [min..max] of %d rounds%n", rows, cols, rounds);
            for (int k = 0; k < types.size(); k++) {
                double[] r = rates[k].clone();
                Arrays.sort(r);
                System.out.printf("%-5s %6.2f [%.2f..%.2f]%n", types.get(k), r[r.length / 2], r[0], r[r.length - 1]);
            }
        }
    }

    /** Runs products for about {@code nanos} of CPU time; weights per CPU-ns. */
    private static double spin(Matrix m, float[] x, float[] out, long nanos, ThreadMXBean cpu) {
        long start = cpu.getCurrentThreadCpuTime(), now = start;
        long products = 0;
        while (now - start < nanos) {
            for (int i = 0; i < 16; i++) m.matVecRows(0, m.rows(), x, out, 0);
            products += 16;
            now = cpu.getCurrentThreadCpuTime();
        }
        return (double) products * m.rows() * m.cols() / (now - start);
    }

    private static Matrix matrix(StorageType type, int rows, int cols, Random random, Arena arena) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.02f;
        MemorySegment data;
        if (type == StorageType.F32) {
            data = arena.allocate((long) w.length * Float.BYTES, 64);
            MemorySegment.copy(w, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, w.length);
        } else if (type == StorageType.BF16) {
            data = arena.allocate((long) w.length * Short.BYTES, 64);
            for (int i = 0; i < w.length; i++) data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
        } else {
            byte[] blocks = GgmlQuantizer.quantize(type, w);
            data = arena.allocate(blocks.length, 64).copyFrom(MemorySegment.ofArray(blocks));
        }
        return Matrices.of(data, type, rows, cols, arena);
    }
}
