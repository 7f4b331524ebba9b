package dev.bastion.bench;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.tensor.GgmlQuantizer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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
 * Bench-only A/B of Q8_0 one-token kernel forms on one matrix, one thread, thread CPU time, round-robin in one JVM:
 * {@code old} is a copy of the two-row kernel before 2026-12-03 evening; the others are the candidates measured in
 * docs/performance.md. 512-bit vectors only (the development machine). {@code java --add-modules jdk.incubator.vector
 * -cp bench/target/benchmarks.jar dev.bastion.bench.Q8DecodeVariants rows cols rounds}.
 */
public final class Q8DecodeVariants {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    static final VectorSpecies<Byte> B2 = ByteVector.SPECIES_256;
    static final int L = 16, BLOCK = 32, BYTES = 34;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment data;
    final int rows, cols;
    final long rowBytes;

    Q8DecodeVariants(MemorySegment data, int rows, int cols) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
    }

    float half(long at) {
        return Float.float16ToFloat(data.get(HALF, at));
    }

    FloatVector weights(long at, float d) {
        return ((FloatVector) ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(d);
    }

    FloatVector quants(long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    static float sumLanes(FloatVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }

    // ---- old: two rows per pass, two accumulators per row, weights d*q per chunk
    void old(float[] x, float[] out) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) oldRows2(r, x, out);
    }

    void oldRows2(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            long at1 = at + rowBytes;
            float d0 = half(at), d1 = half(at1);
            for (int c = 0; c < BLOCK; c += 2 * L) {
                FloatVector u = FloatVector.fromArray(F, x, i + c), v = FloatVector.fromArray(F, x, i + c + L);
                a0 = weights(at + 2 + c, d0).fma(u, a0);
                b0 = weights(at + 2 + c + L, d0).fma(v, b0);
                a1 = weights(at1 + 2 + c, d1).fma(u, a1);
                b1 = weights(at1 + 2 + c + L, d1).fma(v, b1);
            }
        }
        out[row] = sumLanes(a0.add(b0));
        out[row + 1] = sumLanes(a1.add(b1));
    }

    // ---- scale2: two rows, per block s = q0*x0 + q1*x1 in float, then acc = fma(s, d, acc): one mul fewer per block
    void scale2(float[] x, float[] out) {
        for (int r = 0; r + 2 <= rows; r += 2) scaleRows2(r, x, out);
    }

    void scaleRows2(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            long at1 = at + rowBytes;
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            FloatVector s0 = quants(at + 2).mul(u), s1 = quants(at1 + 2).mul(u);
            s0 = quants(at + 2 + L).fma(v, s0);
            s1 = quants(at1 + 2 + L).fma(v, s1);
            a0 = s0.fma(FloatVector.broadcast(F, half(at)), a0);
            a1 = s1.fma(FloatVector.broadcast(F, half(at1)), a1);
        }
        out[row] = sumLanes(a0);
        out[row + 1] = sumLanes(a1);
    }

    // ---- scale4: four rows per pass in the per-block-scale form (one accumulator per row)
    void scale4(float[] x, float[] out) {
        for (int r = 0; r + 4 <= rows; r += 4) scaleRows4(r, x, out);
    }

    void scaleRows4(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long at = row * rowBytes, rb = rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            a0 = block(at, u, v, a0);
            a1 = block(at + rb, u, v, a1);
            a2 = block(at + 2 * rb, u, v, a2);
            a3 = block(at + 3 * rb, u, v, a3);
        }
        out[row] = sumLanes(a0);
        out[row + 1] = sumLanes(a1);
        out[row + 2] = sumLanes(a2);
        out[row + 3] = sumLanes(a3);
    }

    FloatVector block(long at, FloatVector u, FloatVector v, FloatVector acc) {
        return quants(at + 2 + L).fma(v, quants(at + 2).mul(u)).fma(FloatVector.broadcast(F, half(at)), acc);
    }

    // ---- wide4: like scale4 but one 32-byte load per block, parts 0 and 1
    void wide4(float[] x, float[] out) {
        for (int r = 0; r + 4 <= rows; r += 4) wideRows4(r, x, out);
    }

    void wideRows4(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long at = row * rowBytes, rb = rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            a0 = wblock(at, u, v, a0);
            a1 = wblock(at + rb, u, v, a1);
            a2 = wblock(at + 2 * rb, u, v, a2);
            a3 = wblock(at + 3 * rb, u, v, a3);
        }
        out[row] = sumLanes(a0);
        out[row + 1] = sumLanes(a1);
        out[row + 2] = sumLanes(a2);
        out[row + 3] = sumLanes(a3);
    }

    FloatVector wblock(long at, FloatVector u, FloatVector v, FloatVector acc) {
        ByteVector q = ByteVector.fromMemorySegment(B2, data, at + 2, ByteOrder.LITTLE_ENDIAN);
        FloatVector lo = (FloatVector) q.convertShape(VectorOperators.B2F, F, 0), hi = (FloatVector) q.convertShape(VectorOperators.B2F, F, 1);
        return hi.fma(v, lo.mul(u)).fma(FloatVector.broadcast(F, half(at)), acc);
    }

    // ---- old4x: the old bits (d*q weights, two chains per row) on four rows, chunk decode in a helper
    void old4(float[] x, float[] out) {
        for (int r = 0; r + 4 <= rows; r += 4) oldRows4(r, x, out);
    }

    final float[] sums = new float[8 * L];

    void oldRows4(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long at = row * rowBytes, rb = rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            float d0 = half(at), d1 = half(at + rb), d2 = half(at + 2 * rb), d3 = half(at + 3 * rb);
            a0 = weights(at + 2, d0).fma(u, a0);
            b0 = weights(at + 2 + L, d0).fma(v, b0);
            a1 = weights(at + rb + 2, d1).fma(u, a1);
            b1 = weights(at + rb + 2 + L, d1).fma(v, b1);
            a2 = weights(at + 2 * rb + 2, d2).fma(u, a2);
            b2 = weights(at + 2 * rb + 2 + L, d2).fma(v, b2);
            a3 = weights(at + 3 * rb + 2, d3).fma(u, a3);
            b3 = weights(at + 3 * rb + 2 + L, d3).fma(v, b3);
        }
        a0.add(b0).intoArray(sums, 0);
        a1.add(b1).intoArray(sums, L);
        a2.add(b2).intoArray(sums, 2 * L);
        a3.add(b3).intoArray(sums, 3 * L);
        for (int k = 0; k < 4; k++) out[row + k] = sumLanes(FloatVector.fromArray(F, sums, k * L));
    }

    // ---- touch-ahead: one byte PF bytes ahead in each row per block, so more cache misses are in flight per thread
    static final long PF = Long.getLong("pf", 1024);
    int sink;

    void oldpf(float[] x, float[] out) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) oldpfRows2(r, x, out);
    }

    void oldpfRows2(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long at = row * rowBytes, last = data.byteSize() - 1;
        int t = 0;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            long at1 = at + rowBytes;
            t += data.get(ValueLayout.JAVA_BYTE, Math.min(at + PF, last)) + data.get(ValueLayout.JAVA_BYTE, Math.min(at1 + PF, last));
            float d0 = half(at), d1 = half(at1);
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            a0 = weights(at + 2, d0).fma(u, a0);
            b0 = weights(at + 2 + L, d0).fma(v, b0);
            a1 = weights(at1 + 2, d1).fma(u, a1);
            b1 = weights(at1 + 2 + L, d1).fma(v, b1);
        }
        sink += t;
        out[row] = sumLanes(a0.add(b0));
        out[row + 1] = sumLanes(a1.add(b1));
    }

    void scale4pf(float[] x, float[] out) {
        for (int r = 0; r + 4 <= rows; r += 4) scalepfRows4(r, x, out);
    }

    void scalepfRows4(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long at = row * rowBytes, rb = rowBytes, last = data.byteSize() - 1;
        int t = 0;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            t += data.get(ValueLayout.JAVA_BYTE, Math.min(at + PF, last)) + data.get(ValueLayout.JAVA_BYTE, Math.min(at + rb + PF, last))
                    + data.get(ValueLayout.JAVA_BYTE, Math.min(at + 2 * rb + PF, last)) + data.get(ValueLayout.JAVA_BYTE, Math.min(at + 3 * rb + PF, last));
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            a0 = block(at, u, v, a0);
            a1 = block(at + rb, u, v, a1);
            a2 = block(at + 2 * rb, u, v, a2);
            a3 = block(at + 3 * rb, u, v, a3);
        }
        sink += t;
        out[row] = sumLanes(a0);
        out[row + 1] = sumLanes(a1);
        out[row + 2] = sumLanes(a2);
        out[row + 3] = sumLanes(a3);
    }

    // ---- old4b: main's order (d*q per chunk, two chains per row) on four rows, lane sums through memory to a small method
    void old4b(float[] x, float[] out) {
        for (int r = 0; r + 4 <= rows; r += 4) old4bRows(r, x, out);
    }

    void old4bRows(int row, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long at = row * rowBytes, rb = rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            FloatVector u = FloatVector.fromArray(F, x, i), v = FloatVector.fromArray(F, x, i + L);
            float d = half(at);
            a0 = weights(at + 2, d).fma(u, a0);
            b0 = weights(at + 2 + L, d).fma(v, b0);
            d = half(at + rb);
            a1 = weights(at + rb + 2, d).fma(u, a1);
            b1 = weights(at + rb + 2 + L, d).fma(v, b1);
            d = half(at + 2 * rb);
            a2 = weights(at + 2 * rb + 2, d).fma(u, a2);
            b2 = weights(at + 2 * rb + 2 + L, d).fma(v, b2);
            d = half(at + 3 * rb);
            a3 = weights(at + 3 * rb + 2, d).fma(u, a3);
            b3 = weights(at + 3 * rb + 2 + L, d).fma(v, b3);
        }
        a0.add(b0).intoArray(sums, 0);
        a1.add(b1).intoArray(sums, L);
        a2.add(b2).intoArray(sums, 2 * L);
        a3.add(b3).intoArray(sums, 3 * L);
        store4(sums, out, row);
    }

    static void store4(float[] sums, float[] out, int row) {
        for (int k = 0; k < 4; k++) out[row + k] = sumLanes(FloatVector.fromArray(F, sums, k * L));
    }

    // ---- harness
    interface Kernel {
        void run(float[] x, float[] out);
    }

    public static void main(String[] args) {
        int rows = Integer.parseInt(args[0]), cols = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        String[] names = (args.length > 3 ? args[3] : "old,scale2,scale4,wide4,old4").split(",");
        Random random = new Random(3);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.02f;
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) random.nextGaussian();
        byte[] blocks = GgmlQuantizer.quantize(StorageType.Q8_0, w);
        w = null;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared()) {
            Q8DecodeVariants m = new Q8DecodeVariants(arena.allocate(blocks.length, 64).copyFrom(MemorySegment.ofArray(blocks)), rows, cols);
            Kernel[] kernels = Arrays.stream(names).map(n -> switch (n) {
                case "old" -> (Kernel) m::old;
                case "scale2" -> (Kernel) m::scale2;
                case "scale4" -> (Kernel) m::scale4;
                case "wide4" -> (Kernel) m::wide4;
                case "old4" -> (Kernel) m::old4;
                case "oldpf" -> (Kernel) m::oldpf;
                case "old4b" -> (Kernel) m::old4b;
                case "scale4pf" -> (Kernel) m::scale4pf;
                case "engine" -> {
                    dev.bastion.engine.tensor.Matrix e = dev.bastion.engine.tensor.Matrices.of(m.data, StorageType.Q8_0, rows, cols, arena);
                    yield (Kernel) (x1, out1) -> e.matVecRows(0, rows, x1, out1, 0);
                }
                default -> throw new IllegalArgumentException(n);
            }).toArray(Kernel[]::new);
            float[] ref = new float[rows], out = new float[rows];
            kernels[0].run(x, ref);
            for (Kernel k : kernels) {
                spin(k, x, out, 2_000_000_000L, cpu, rows, cols);
                double err = 0;
                for (int r = 0; r < rows; r++) err = Math.max(err, Math.abs(out[r] - ref[r]));
                System.out.printf("max |diff| vs first: %.3g%n", err);
            }
            double[][] rates = new double[kernels.length][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < kernels.length; k++) rates[k][round] = spin(kernels[k], x, out, 200_000_000L, cpu, rows, cols);
            }
            System.out.printf("%d x %d, one thread, weights per CPU-ns, median [min..max] of %d rounds%n", rows, cols, rounds);
            for (int k = 0; k < kernels.length; k++) {
                double[] r = rates[k].clone();
                Arrays.sort(r);
                System.out.printf("%-7s %6.2f [%.2f..%.2f]%n", names[k], r[r.length / 2], r[0], r[r.length - 1]);
            }
        }
    }

    static double spin(Kernel k, float[] x, float[] out, long nanos, ThreadMXBean cpu, int rows, int cols) {
        long start = cpu.getCurrentThreadCpuTime(), now = start;
        long products = 0;
        while (now - start < nanos) {
            for (int i = 0; i < 4; i++) k.run(x, out);
            products += 4;
            now = cpu.getCurrentThreadCpuTime();
        }
        return (double) products * rows * cols / (now - start);
    }
}
