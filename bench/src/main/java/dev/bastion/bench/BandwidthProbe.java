package dev.bastion.bench;

import dev.bastion.engine.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The read bandwidth a decode step can hope for: the best of several passes summing a buffer far larger than the
 * caches, split across the same pool of threads the engine uses.
 */
final class BandwidthProbe {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final long BYTES = 1L << 30;
    private static final int CHUNK = 1 << 20;

    private BandwidthProbe() {}

    /** Bytes per second of the best of {@code passes} reads of 1 GiB. */
    static double measure(int passes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(BYTES, 64);
            buffer.fill((byte) 1);
            int chunks = (int) (BYTES / CHUNK);
            float[] sums = new float[chunks];
            double best = 0;
            for (int pass = 0; pass < passes; pass++) {
                long start = System.nanoTime();
                Parallel.forRange(chunks, CHUNK, (from, to) -> {
                    for (int c = from; c < to; c++) sums[c] = sum(buffer, (long) c * CHUNK);
                });
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, BYTES / seconds);
            }
            float total = 0;
            for (float s : sums) total += s;
            if (total == 42) System.out.print(""); // keeps the sums live
            return best;
        }
    }

    private static float sum(MemorySegment buffer, long at) {
        int lanes = F.length() * Float.BYTES;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long i = at; i < at + CHUNK; i += 4L * lanes) {
            a = a.add(FloatVector.fromMemorySegment(F, buffer, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buffer, i + lanes, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buffer, i + 2L * lanes, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buffer, i + 3L * lanes, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
