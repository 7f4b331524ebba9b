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
 */
final class BandwidthProbe {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Twice the 480 MiB L3 this VM reports, so a pass cannot be served from cache. */
    static final long BYTES = 1L << 30;
    private static final int CHUNK = 1 << 20;
    /** Warm-up passes over the first {@link #WARM_CHUNKS} MiB: enough calls for C2 to compile {@link #sum}. */
    private static final int WARM_PASSES = 200, WARM_CHUNKS = 16;

    /** Bytes per second: the best pass, the median pass, and how many were timed. */
    record Reading(double best, double median, int passes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f GB/s (best of %d passes of %d MiB; median %.1f)",
                    best / 1e9, passes, BYTES >> 20, median / 1e9);
        }
    }

    private BandwidthProbe() {}

    /** Reads 1 GiB {@code passes} times on the common pool after warming up the kernel. */
    static Reading measure(int passes) {
        if (passes < 1) throw new IllegalArgumentException("passes must be at least 1, was " + passes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(BYTES, 64);
            buffer.fill((byte) 1); // touches every page, so no pass pays for page faults
            int chunks = (int) (BYTES / CHUNK);
            float[] sums = new float[chunks];
            for (int w = 0; w < WARM_PASSES; w++) pass(buffer, WARM_CHUNKS, sums);
            double[] rates = new double[passes];
            for (int p = 0; p < passes; p++) {
                long start = System.nanoTime();
                pass(buffer, chunks, sums);
                rates[p] = BYTES / ((System.nanoTime() - start) / 1e9);
            }
            float total = 0;
            for (float s : sums) total += s;
            if (total == 42) System.out.print(""); // keeps the sums live
            Arrays.sort(rates);
            double median = passes % 2 == 1 ? rates[passes / 2] : (rates[passes / 2 - 1] + rates[passes / 2]) / 2;
            return new Reading(rates[passes - 1], median, passes);
        }
    }

    private static void pass(MemorySegment buffer, int chunks, float[] sums) {
        Parallel.forRange(chunks, CHUNK, (from, to) -> {
            for (int c = from; c < to; c++) sums[c] = sum(buffer, (long) c * CHUNK);
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
}
