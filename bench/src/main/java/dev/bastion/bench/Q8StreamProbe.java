package dev.bastion.bench;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * What one thread can stream from memory over Q8_0 blocks (34 bytes per 32 weights, rows of {@code cols} weights) in
 * a segment larger than any cache, with kernels of growing work: {@code sumB} loads each 16 quants and adds them as
 * ints (B2I), {@code cvtF} converts them to float and adds, {@code q8} is the full product in {@code GgmlQ8_0Matrix}'s
 * order ({@code d*q} per chunk, an fma with the activations, two chains per row); each with 1, 2, 4 or 8 rows per
 * pass, the rows {@code rows / threads / streams} apart, on 1 or more threads (each its own contiguous share of the
 * rows). Round-robin; prints GB/s over all threads (wall) and per thread (CPU), and weights per CPU-ns, as median
 * [min..max]. 512-bit vectors only. {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * dev.bastion.bench.Q8StreamProbe [rows] [cols] [rounds] [kernels] [threads]}, e.g. {@code 500000 2048 7 q8_2,cvtF2 2}.
 */
public final class Q8StreamProbe {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    static final int L = 16, BLOCK = 32, BYTES = 34;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment data;
    final int rows, cols;
    final long rowBytes;
    final float[] x;
    float sink;

    Q8StreamProbe(MemorySegment data, int rows, int cols, float[] x) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
        this.x = x;
    }

    ByteVector bytes(long at) {
        return ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    IntVector ints(long at) {
        return (IntVector) bytes(at).convertShape(VectorOperators.B2I, I, 0);
    }

    FloatVector floats(long at) {
        return (FloatVector) bytes(at).convertShape(VectorOperators.B2F, F, 0);
    }

    float half(long at) {
        return Float.float16ToFloat(data.get(HALF, at));
    }

    FloatVector weights(long at, float d) {
        return floats(at).mul(d);
    }

    void sumB1(int from, int to) {
        int q = (to - from) / 1;
        long step = q * rowBytes;
        IntVector acc = IntVector.zero(I);
        for (int r = from; r < from + q; r++) {
            IntVector a0 = IntVector.zero(I);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(ints(at + 2)).add(ints(at + 2 + L));
            }
            acc = acc.add(a0);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void cvtF1(int from, int to) {
        int q = (to - from) / 1;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(floats(at + 2)).add(floats(at + 2 + L));
            }
            acc = acc.add(a0);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void q8_1(int from, int to) {
        int q = (to - from) / 1;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), b0 = a0;
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
                float d0 = half(at);
                a0 = weights(at + 2, d0).fma(u, a0);
                b0 = weights(at + 2 + L, d0).fma(v, b0);
            }
            acc = acc.add(a0).add(b0);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void sumB2(int from, int to) {
        int q = (to - from) / 2;
        long step = q * rowBytes;
        IntVector acc = IntVector.zero(I);
        for (int r = from; r < from + q; r++) {
            IntVector a0 = IntVector.zero(I), a1 = IntVector.zero(I);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(ints(at + 2)).add(ints(at + 2 + L));
                a1 = a1.add(ints(at + 1 * step + 2)).add(ints(at + 1 * step + 2 + L));
            }
            acc = acc.add(a0).add(a1);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void cvtF2(int from, int to) {
        int q = (to - from) / 2;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(floats(at + 2)).add(floats(at + 2 + L));
                a1 = a1.add(floats(at + 1 * step + 2)).add(floats(at + 1 * step + 2 + L));
            }
            acc = acc.add(a0).add(a1);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void q8_2(int from, int to) {
        int q = (to - from) / 2;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = FloatVector.zero(F), b1 = a1;
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
                float d0 = half(at);
                a0 = weights(at + 2, d0).fma(u, a0);
                b0 = weights(at + 2 + L, d0).fma(v, b0);
                float d1 = half(at + 1 * step);
                a1 = weights(at + 1 * step + 2, d1).fma(u, a1);
                b1 = weights(at + 1 * step + 2 + L, d1).fma(v, b1);
            }
            acc = acc.add(a0).add(b0).add(a1).add(b1);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void sumB4(int from, int to) {
        int q = (to - from) / 4;
        long step = q * rowBytes;
        IntVector acc = IntVector.zero(I);
        for (int r = from; r < from + q; r++) {
            IntVector a0 = IntVector.zero(I), a1 = IntVector.zero(I), a2 = IntVector.zero(I), a3 = IntVector.zero(I);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(ints(at + 2)).add(ints(at + 2 + L));
                a1 = a1.add(ints(at + 1 * step + 2)).add(ints(at + 1 * step + 2 + L));
                a2 = a2.add(ints(at + 2 * step + 2)).add(ints(at + 2 * step + 2 + L));
                a3 = a3.add(ints(at + 3 * step + 2)).add(ints(at + 3 * step + 2 + L));
            }
            acc = acc.add(a0).add(a1).add(a2).add(a3);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void cvtF4(int from, int to) {
        int q = (to - from) / 4;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(floats(at + 2)).add(floats(at + 2 + L));
                a1 = a1.add(floats(at + 1 * step + 2)).add(floats(at + 1 * step + 2 + L));
                a2 = a2.add(floats(at + 2 * step + 2)).add(floats(at + 2 * step + 2 + L));
                a3 = a3.add(floats(at + 3 * step + 2)).add(floats(at + 3 * step + 2 + L));
            }
            acc = acc.add(a0).add(a1).add(a2).add(a3);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void q8_4(int from, int to) {
        int q = (to - from) / 4;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = FloatVector.zero(F), b1 = a1, a2 = FloatVector.zero(F), b2 = a2, a3 = FloatVector.zero(F), b3 = a3;
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
                float d0 = half(at);
                a0 = weights(at + 2, d0).fma(u, a0);
                b0 = weights(at + 2 + L, d0).fma(v, b0);
                float d1 = half(at + 1 * step);
                a1 = weights(at + 1 * step + 2, d1).fma(u, a1);
                b1 = weights(at + 1 * step + 2 + L, d1).fma(v, b1);
                float d2 = half(at + 2 * step);
                a2 = weights(at + 2 * step + 2, d2).fma(u, a2);
                b2 = weights(at + 2 * step + 2 + L, d2).fma(v, b2);
                float d3 = half(at + 3 * step);
                a3 = weights(at + 3 * step + 2, d3).fma(u, a3);
                b3 = weights(at + 3 * step + 2 + L, d3).fma(v, b3);
            }
            acc = acc.add(a0).add(b0).add(a1).add(b1).add(a2).add(b2).add(a3).add(b3);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void sumB8(int from, int to) {
        int q = (to - from) / 8;
        long step = q * rowBytes;
        IntVector acc = IntVector.zero(I);
        for (int r = from; r < from + q; r++) {
            IntVector a0 = IntVector.zero(I), a1 = IntVector.zero(I), a2 = IntVector.zero(I), a3 = IntVector.zero(I), a4 = IntVector.zero(I), a5 = IntVector.zero(I), a6 = IntVector.zero(I), a7 = IntVector.zero(I);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(ints(at + 2)).add(ints(at + 2 + L));
                a1 = a1.add(ints(at + 1 * step + 2)).add(ints(at + 1 * step + 2 + L));
                a2 = a2.add(ints(at + 2 * step + 2)).add(ints(at + 2 * step + 2 + L));
                a3 = a3.add(ints(at + 3 * step + 2)).add(ints(at + 3 * step + 2 + L));
                a4 = a4.add(ints(at + 4 * step + 2)).add(ints(at + 4 * step + 2 + L));
                a5 = a5.add(ints(at + 5 * step + 2)).add(ints(at + 5 * step + 2 + L));
                a6 = a6.add(ints(at + 6 * step + 2)).add(ints(at + 6 * step + 2 + L));
                a7 = a7.add(ints(at + 7 * step + 2)).add(ints(at + 7 * step + 2 + L));
            }
            acc = acc.add(a0).add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void cvtF8(int from, int to) {
        int q = (to - from) / 8;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                a0 = a0.add(floats(at + 2)).add(floats(at + 2 + L));
                a1 = a1.add(floats(at + 1 * step + 2)).add(floats(at + 1 * step + 2 + L));
                a2 = a2.add(floats(at + 2 * step + 2)).add(floats(at + 2 * step + 2 + L));
                a3 = a3.add(floats(at + 3 * step + 2)).add(floats(at + 3 * step + 2 + L));
                a4 = a4.add(floats(at + 4 * step + 2)).add(floats(at + 4 * step + 2 + L));
                a5 = a5.add(floats(at + 5 * step + 2)).add(floats(at + 5 * step + 2 + L));
                a6 = a6.add(floats(at + 6 * step + 2)).add(floats(at + 6 * step + 2 + L));
                a7 = a7.add(floats(at + 7 * step + 2)).add(floats(at + 7 * step + 2 + L));
            }
            acc = acc.add(a0).add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    void q8_8(int from, int to) {
        int q = (to - from) / 8;
        long step = q * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int r = from; r < from + q; r++) {
            FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = FloatVector.zero(F), b1 = a1, a2 = FloatVector.zero(F), b2 = a2, a3 = FloatVector.zero(F), b3 = a3, a4 = FloatVector.zero(F), b4 = a4, a5 = FloatVector.zero(F), b5 = a5, a6 = FloatVector.zero(F), b6 = a6, a7 = FloatVector.zero(F), b7 = a7;
            long at = r * rowBytes;
            for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
                FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
                float d0 = half(at);
                a0 = weights(at + 2, d0).fma(u, a0);
                b0 = weights(at + 2 + L, d0).fma(v, b0);
                float d1 = half(at + 1 * step);
                a1 = weights(at + 1 * step + 2, d1).fma(u, a1);
                b1 = weights(at + 1 * step + 2 + L, d1).fma(v, b1);
                float d2 = half(at + 2 * step);
                a2 = weights(at + 2 * step + 2, d2).fma(u, a2);
                b2 = weights(at + 2 * step + 2 + L, d2).fma(v, b2);
                float d3 = half(at + 3 * step);
                a3 = weights(at + 3 * step + 2, d3).fma(u, a3);
                b3 = weights(at + 3 * step + 2 + L, d3).fma(v, b3);
                float d4 = half(at + 4 * step);
                a4 = weights(at + 4 * step + 2, d4).fma(u, a4);
                b4 = weights(at + 4 * step + 2 + L, d4).fma(v, b4);
                float d5 = half(at + 5 * step);
                a5 = weights(at + 5 * step + 2, d5).fma(u, a5);
                b5 = weights(at + 5 * step + 2 + L, d5).fma(v, b5);
                float d6 = half(at + 6 * step);
                a6 = weights(at + 6 * step + 2, d6).fma(u, a6);
                b6 = weights(at + 6 * step + 2 + L, d6).fma(v, b6);
                float d7 = half(at + 7 * step);
                a7 = weights(at + 7 * step + 2, d7).fma(u, a7);
                b7 = weights(at + 7 * step + 2 + L, d7).fma(v, b7);
            }
            acc = acc.add(a0).add(b0).add(a1).add(b1).add(a2).add(b2).add(a3).add(b3).add(a4).add(b4).add(a5).add(b5).add(a6).add(b6).add(a7).add(b7);
        }
        sink += acc.reduceLanes(VectorOperators.ADD); // racy across threads: only keeps the work alive
    }

    interface Kernel {
        void run(int from, int to);
    }

    public static void main(String[] args) throws InterruptedException {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 524288;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        String[] names = (args.length > 3 ? args[3] : "sumB1,cvtF1,q8_1,sumB2,cvtF2,q8_2,sumB4,cvtF4,q8_4,sumB8,cvtF8,q8_8").split(",");
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        long rowBytes = (long) cols / BLOCK * BYTES, size = rows * rowBytes;
        Random random = new Random(3);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(size, 64);
            long seed = 0x9E3779B97F4A7C15L;
            for (long at = 0; at + 8 <= size; at += 8) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                data.set(ValueLayout.JAVA_LONG_UNALIGNED, at, seed >>> 7);
            }
            for (long at = 0; at < size; at += BYTES) data.set(HALF, at, Float.floatToFloat16(0.001f + (at % 977) * 1e-6f));
            Q8StreamProbe p = new Q8StreamProbe(data, rows, cols, x);
            Kernel[] kernels = Arrays.stream(names).map(n -> switch (n) {
                case "sumB1" -> (Kernel) p::sumB1;
                case "cvtF1" -> (Kernel) p::cvtF1;
                case "q8_1" -> (Kernel) p::q8_1;
                case "sumB2" -> (Kernel) p::sumB2;
                case "cvtF2" -> (Kernel) p::cvtF2;
                case "q8_2" -> (Kernel) p::q8_2;
                case "sumB4" -> (Kernel) p::sumB4;
                case "cvtF4" -> (Kernel) p::cvtF4;
                case "q8_4" -> (Kernel) p::q8_4;
                case "sumB8" -> (Kernel) p::sumB8;
                case "cvtF8" -> (Kernel) p::cvtF8;
                case "q8_8" -> (Kernel) p::q8_8;
                default -> throw new IllegalArgumentException(n);
            }).toArray(Kernel[]::new);
            for (int w = 0; w < 3; w++) for (Kernel k : kernels) run(k, rows, threads, cpu); // JIT
            double[][] wall = new double[kernels.length][rounds], perThread = new double[kernels.length][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < kernels.length; k++) {
                    long[] r = run(kernels[k], rows, threads, cpu);
                    wall[k][round] = r[0];
                    perThread[k][round] = r[1] / (double) threads;
                }
            }
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            System.out.printf("%d x %d Q8_0 (%.2f GB), %d thread(s), median [min..max] of %d rounds, load %.1f%n",
                    rows, cols, size / 1e9, threads, rounds, load);
            System.out.println("kernel  all threads GB/s (wall)     per thread GB/s (CPU)   weights per CPU-ns per thread");
            for (int k = 0; k < kernels.length; k++) {
                double[] t = wall[k].clone(), c = perThread[k].clone();
                Arrays.sort(t);
                Arrays.sort(c);
                int s = streams(names[k]);
                double weights = (double) (rows / threads / s) * s * threads * cols;
                double bytes = weights / BLOCK * BYTES;
                System.out.printf("%-6s %6.2f [%5.2f..%5.2f]   %6.2f [%5.2f..%5.2f]   %6.2f%n", names[k], bytes / t[t.length / 2],
                        bytes / t[t.length - 1], bytes / t[0], bytes / threads / c[c.length / 2], bytes / threads / c[c.length - 1],
                        bytes / threads / c[0], weights / threads / c[c.length / 2]);
            }
            System.out.println("sink " + p.sink);
        }
    }

    /** Wall ns and the threads' summed CPU ns of one pass, the rows split evenly across the threads. */
    static long[] run(Kernel k, int rows, int threads, ThreadMXBean cpu) throws InterruptedException {
        long[] cpuNs = new long[threads];
        Thread[] ts = new Thread[threads];
        int per = rows / threads;
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                long c = cpu.getCurrentThreadCpuTime();
                k.run(id * per, id * per + per);
                cpuNs[id] = cpu.getCurrentThreadCpuTime() - c;
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        long wall = System.nanoTime() - start;
        return new long[] {wall, Arrays.stream(cpuNs).sum()};
    }

    static int streams(String name) {
        return name.charAt(name.length() - 1) - '0';
    }
}
