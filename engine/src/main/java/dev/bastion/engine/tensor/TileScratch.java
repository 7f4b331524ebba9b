package dev.bastion.engine.tensor;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * Per-thread scratch of prefill's tiles, laid out so that every vector load of the tile kernels starts on a 64-byte
 * boundary: the accumulators, the tile of weight rows and a copy of the batch's activations, each row at a multiple of
 * {@link #ALIGN} floats from an aligned element of one array.
 *
 * <p>Why: a 64-byte load from an address that is not 64-byte aligned spans two cache lines; the 4x6 and 3x4 register
 * tiles are bound by their loads, and the same kernel ran 3-12% faster on aligned than on misaligned data of one array
 * on AMD Zen 5 (docs/performance.md, 2026-12-03 night). Java does not let us choose an array's address, but under G1 an
 * array larger than half a heap region is a humongous object, which starts at a region boundary; its element k then
 * sits at (region start + array base offset + 4k), so the aligned elements are known without Unsafe. The base offset
 * follows from the object header flags (16 bytes with compressed class pointers, 12 with compact object headers, both
 * confirmed by timing aligned against misaligned offsets). With another collector or other header flags the layout
 * is the same from element 0, which is merely not known to be aligned: only speed differs, never the results.
 */
final class TileScratch {

    /** Floats per 64 bytes: each row of the tile and of the activations starts a multiple of this past {@link #FIRST}. */
    static final int ALIGN = 16;

    /** The first 64-byte-aligned element of a humongous float[], or 0 when that is not known. */
    private static final int FIRST;

    /** Floats an array must exceed to be humongous (half a G1 region), or 0 when alignment is not known. */
    private static final int HUMONGOUS_FLOATS;

    static {
        int first = 0, humongous = 0;
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
            boolean g1 = Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue());
            boolean compact = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue());
            boolean compressedClasses = Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue());
            int baseOffset = compact ? 12 : compressedClasses ? 16 : -1;
            // Regions above 64 MB would make each thread's scratch at least 32 MB: not worth it.
            if (g1 && baseOffset > 0 && region >= 64 && region <= (64 << 20)) {
                first = (64 - baseOffset) / Float.BYTES;
                humongous = (int) (region / 2 / Float.BYTES);
            }
        } catch (RuntimeException | LinkageError e) {
            // no HotSpot diagnostics (another VM, or the option is missing): alignment unknown
        }
        FIRST = first;
        HUMONGOUS_FLOATS = humongous;
    }

    private static final ThreadLocal<TileScratch> PER_THREAD = ThreadLocal.withInitial(TileScratch::new);

    /** Holds the accumulators at {@link #acc}, the tile at {@link #tile} and the activations at {@link #x}. */
    float[] buffer = new float[0];
    /** Row stride of the tile and of the activations: a multiple of {@link #ALIGN} floats. */
    int stride;
    int acc;
    int tile;
    int x;

    private TileScratch() {}

    /**
     * This thread's scratch laid out for {@code accFloats} floats of accumulators, a tile of {@code tileRows} rows of
     * {@code cols}, and {@code xs[0..count)} copied in (the copy is cols x count floats, nothing next to the products).
     */
    static TileScratch forThread(int accFloats, int tileRows, int cols, float[][] xs, int count) {
        TileScratch s = layout(accFloats, tileRows, cols, count);
        for (int t = 0; t < count; t++) System.arraycopy(xs[t], 0, s.buffer, s.x + t * s.stride, cols);
        return s;
    }

    /** {@link #forThread}'s layout without the copy of the activations (the caller writes them at {@link #x}). */
    static TileScratch layout(int accFloats, int tileRows, int cols, int count) {
        TileScratch s = PER_THREAD.get();
        // Rows of 4096+ floats are a multiple of 16 KB apart: 64 such rows of activations fall into few L2 sets, so
        // they are spaced one line further (1B down_proj: +3-8%, within the spread; on 2048-float rows it cost 11%).
        int stride = roundUp(cols) + (cols >= 4096 ? ALIGN : 0);
        s.stride = stride;
        s.acc = FIRST;
        s.tile = FIRST + roundUp(accFloats);
        s.x = s.tile + tileRows * stride;
        int needed = s.x + count * stride;
        if (s.buffer.length < needed) s.buffer = new float[Math.max(needed, HUMONGOUS_FLOATS + ALIGN)];
        return s;
    }

    private static int roundUp(int floats) {
        return (floats + ALIGN - 1) / ALIGN * ALIGN;
    }
}
