package dev.bastion.bench;

import dev.bastion.engine.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * The read bandwidth a decode step can hope for: passes summing a buffer far larger than the caches, split across the
 * same pool of threads the engine uses. The summing kernel is JIT-compiled on a small part of the buffer before any
 * pass is timed: without that, the first passes ran in the interpreter and C1 (1.5–6 GB/s here) and the best of five
 * cold passes read about 15 GB/s where a C loop read 21–28.
 *
 * <p>Passes alternate two forms, and the limit is the best pass of either: each task reading its range as one stream,
 * or as four streams a quarter of the range apart (as decode reads four rows at once). On the AMD EPYC machine of
 * 2026-12-03 one stream per thread read 31–44 GB/s where four read 52–66 (docs/performance.md, h6-bf16bw), so a
 * one-stream probe alone put the BF16 decode step above 100% of its "limit".
 */
final class BandwidthProbe {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Twice the 480 MiB L3 this VM reports, so a pass cannot be served from cache. */
    static final long BYTES = 1L << 30;
    private static final int CHUNK = 1 << 20;
    /** Warm-up passes over the first {@link #WARM_CHUNKS} MiB: enough calls for C2 to compile both forms. */
    private static final int WARM_PASSES = 200, WARM_CHUNKS = 16;

    /** Bytes per second: the best pass of either form, each form's best, the median pass, and how many were timed. */
    record Reading(double best, double oneStreamBest, double fourStreamBest, double median, int passes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f GB/s (best of %d passes of %d MiB; one stream per thread %.1f, four %.1f; median %.1f)",
                    best / 1e9, passes, BYTES >> 20, oneStreamBest / 1e9, fourStreamBest / 1e9, median / 1e9);
        }
    }

    private BandwidthProbe() {}

    /** Reads 1 GiB {@code passes} times on the common pool after warming up the kernels, alternating the two forms. */
    static Reading measure(int passes) {
        if (passes < 2) throw new IllegalArgumentException("passes must be at least 2 (one of each form), was " + passes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(BYTES, 64);
            buffer.fill((byte) 1); // touches every page, so no pass pays for page faults
            int chunks = (int) (BYTES / CHUNK);
            float[] sums = new float[chunks];
            for (int w = 0; w < WARM_PASSES; w++) pass(buffer, WARM_CHUNKS, sums, w % 2 == 1);
            double[] rates = new double[passes];
            double[] best = new double[2];
            for (int p = 0; p < passes; p++) {
                long start = System.nanoTime();
                pass(buffer, chunks, sums, p % 2 == 1);
                rates[p] = BYTES / ((System.nanoTime() - start) / 1e9);
                best[p % 2] = Math.max(best[p % 2], rates[p]);
            }
            float total = 0;
            for (float s : sums) total += s;
            if (total == 42) System.out.print(""); // keeps the sums live
            Arrays.sort(rates);
            double median = passes % 2 == 1 ? rates[passes / 2] : (rates[passes / 2 - 1] + rates[passes / 2]) / 2;
            return new Reading(rates[passes - 1], best[0], best[1], median, passes);
        }
    }

    private static void pass(MemorySegment buffer, int chunks, float[] sums, boolean fourStreams) {
        Parallel.forRange(chunks, CHUNK, (from, to) -> {
            int quarter = fourStreams ? (to - from) / 4 : 0;
            for (int c = from; c < from + quarter; c++) sums[c] = sumFour(buffer, (long) c * CHUNK, (long) quarter * CHUNK);
            for (int c = from + 4 * quarter; c < to; c++) sums[c] = sum(buffer, (long) c * CHUNK);
        });
    }

    /** Four independent add chains, so the loop is bound by loads, not by the latency of one chain. */
    static float sum(MemorySegment buffer, long at) {
        int lanes = F.length() * Float.BYTES;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long i = at; i < at + CHUNK; i += 4L * lanes) {
            a = a.add(FloatVector.fromMemorySegment(F, buffer, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buffer, i + lanes, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buffer, i + 2L * lanes, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buffer, i + 3L * lanes, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    /** The same adds over four chunks {@code stride} bytes apart, read side by side: one chain per stream. */
    static float sumFour(MemorySegment buffer, long at, long stride) {
        int lanes = F.length() * Float.BYTES;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long i = at; i < at + CHUNK; i += lanes) {
            a = a.add(FloatVector.fromMemorySegment(F, buffer, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buffer, i + stride, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buffer, i + 2 * stride, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buffer, i + 3 * stride, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }
}
