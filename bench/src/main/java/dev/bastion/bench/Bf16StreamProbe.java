package dev.bastion.bench;

import dev.bastion.engine.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What decode's BF16 access pattern streams from a 1 GiB BF16 matrix (262144 x 2048, the weights of a real file) on
 * the engine's pool, in jobs of {@code jobRows} rows split as {@code Parallel} splits a {@code matVec}: the matrix
 * mapped from the file (page cache, 4 KB pages), copied to anonymous memory, or copied to anonymous memory advised
 * for transparent huge pages. Kernels: {@code sum} (the bandwidth probe's plain sum over the same rows), {@code sum4q} (its adds over r4q's four streams), {@code r1} one
 * row per pass, {@code r2h} two rows half the range apart, {@code r4n} four neighbours, {@code r4q} four a quarter
 * apart ({@code Bf16Matrix}), {@code and4q} r4q widening 32 BF16 at once with an AND and a shift (another sum order:
 * measure only), {@code perm4q} r4q widening 32 BF16 with two vpermi2w (r4q's order), {@code r4qP1}, {@code r4qP4} r4q touching each stream's row 1 or 4 passes ahead first. Prints GB/s (wall) and GB per
 * CPU-second (process), median [min..max]. Args: sources (file, anon, thp joined by +, alternated in one JVM) file jobRows rounds kernels (comma-separated).
 */
public final class Bf16StreamProbe {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final int COLS = 2048;
    static final long ROW_BYTES = COLS * 2L, BYTES = 1L << 30;
    static final int ROWS = (int) (BYTES / ROW_BYTES), PASSES = Integer.getInteger("passes", 4);

    final MemorySegment data;
    final float[] x = new float[COLS];
    final float[] out = new float[ROWS];
    volatile long sinkL;

    Bf16StreamProbe(MemorySegment data) {
        this.data = data;
        for (int i = 0; i < COLS; i++) x[i] = (float) Math.sin(i);
    }

    FloatVector load(long at) {
        ShortVector raw = ShortVector.fromMemorySegment(S, data, at, ByteOrder.LITTLE_ENDIAN);
        IntVector wide = (IntVector) raw.convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    float row(int r) {
        long base = r * ROW_BYTES;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < COLS; i += 16) a = load(base + i * 2L).fma(FloatVector.fromArray(F, x, i), a);
        return a.reduceLanes(VectorOperators.ADD);
    }

    void sum(int from, int to) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long i = from * ROW_BYTES, end = to * ROW_BYTES; i < end; i += 256) {
            a = a.add(FloatVector.fromMemorySegment(F, data, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, data, i + 64, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, data, i + 128, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, data, i + 192, ByteOrder.LITTLE_ENDIAN));
        }
        out[from] = a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    /** The plain sum's adds over r4q's four streams a quarter of the range apart. */
    void sum4q(int from, int to) {
        int q = (to - from) / 4;
        long step = q * ROW_BYTES;
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long i = from * ROW_BYTES, end = (from + q) * ROW_BYTES; i < end; i += 64) {
            a = a.add(FloatVector.fromMemorySegment(F, data, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, data, i + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, data, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, data, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        out[from] = a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    void r1(int from, int to) {
        for (int r = from; r < to; r++) out[r] = row(r);
    }

    void r2h(int from, int to) {
        int h = (to - from) / 2;
        long step = h * ROW_BYTES;
        for (int r = from; r < from + h; r++) {
            long base = r * ROW_BYTES;
            FloatVector a = FloatVector.zero(F), b = a;
            for (int i = 0; i < COLS; i += 16) {
                long at = base + i * 2L;
                FloatVector v = FloatVector.fromArray(F, x, i);
                a = load(at).fma(v, a);
                b = load(at + step).fma(v, b);
            }
            out[r] = a.reduceLanes(VectorOperators.ADD);
            out[r + h] = b.reduceLanes(VectorOperators.ADD);
        }
        for (int r = from + 2 * h; r < to; r++) out[r] = row(r);
    }

    void r4(int from, int to, boolean neighbours) {
        int q = (to - from) / 4;
        int stride = neighbours ? 1 : q;
        long step = stride * ROW_BYTES;
        int r = from;
        for (int k = 0; k < q; k++) {
            long base = r * ROW_BYTES;
            FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
            for (int i = 0; i < COLS; i += 16) {
                long at = base + i * 2L;
                FloatVector v = FloatVector.fromArray(F, x, i);
                a = load(at).fma(v, a);
                b = load(at + step).fma(v, b);
                c = load(at + 2 * step).fma(v, c);
                d = load(at + 3 * step).fma(v, d);
            }
            out[r] = a.reduceLanes(VectorOperators.ADD);
            out[r + stride] = b.reduceLanes(VectorOperators.ADD);
            out[r + 2 * stride] = c.reduceLanes(VectorOperators.ADD);
            out[r + 3 * stride] = d.reduceLanes(VectorOperators.ADD);
            r = neighbours ? r + 4 : r + 1;
        }
        for (int t = from + 4 * q; t < to; t++) out[t] = row(t);
    }

    /** r4q, first loading one long from each stream's row {@code ahead} passes on (its page's TLB entry, its first line). */
    void r4qP(int from, int to, int ahead) {
        int q = (to - from) / 4;
        long step = q * ROW_BYTES;
        long touched = 0;
        for (int r = from; r < from + q; r++) {
            long base = r * ROW_BYTES;
            if (r + ahead < from + q) {
                long t = base + ahead * ROW_BYTES;
                touched += data.get(ValueLayout.JAVA_LONG_UNALIGNED, t) ^ data.get(ValueLayout.JAVA_LONG_UNALIGNED, t + step)
                        ^ data.get(ValueLayout.JAVA_LONG_UNALIGNED, t + 2 * step) ^ data.get(ValueLayout.JAVA_LONG_UNALIGNED, t + 3 * step);
            }
            FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
            for (int i = 0; i < COLS; i += 16) {
                long at = base + i * 2L;
                FloatVector v = FloatVector.fromArray(F, x, i);
                a = load(at).fma(v, a);
                b = load(at + step).fma(v, b);
                c = load(at + 2 * step).fma(v, c);
                d = load(at + 3 * step).fma(v, d);
            }
            out[r] = a.reduceLanes(VectorOperators.ADD);
            out[r + q] = b.reduceLanes(VectorOperators.ADD);
            out[r + 2 * q] = c.reduceLanes(VectorOperators.ADD);
            out[r + 3 * q] = d.reduceLanes(VectorOperators.ADD);
        }
        for (int t = from + 4 * q; t < to; t++) out[t] = row(t);
        if (touched == 42) sinkL = touched;
    }

    static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    static final ShortVector ZERO = ShortVector.zero(S512);
    static final ShortVector LOW_IDX = widenIndexes(0), HIGH_IDX = widenIndexes(16);

    /** Indexes for selectFrom(raw, zero): float lane j takes raw's short {@code first + j} as its high half, zeros below. */
    static ShortVector widenIndexes(int first) {
        short[] idx = new short[32];
        for (int j = 0; j < 16; j++) {
            idx[2 * j] = 32;
            idx[2 * j + 1] = (short) (first + j);
        }
        return ShortVector.fromArray(S512, idx, 0);
    }

    /** r4q with 32 BF16 loaded at once and widened by two two-source permutes (vpermi2w): r4q's order exactly. */
    void perm4q(int from, int to) {
        int q = (to - from) / 4;
        long step = q * ROW_BYTES;
        for (int r = from; r < from + q; r++) {
            long base = r * ROW_BYTES;
            FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
            for (int i = 0; i < COLS; i += 32) {
                long at = base + i * 2L;
                FloatVector ve = FloatVector.fromArray(F, x, i), vo = FloatVector.fromArray(F, x, i + 16);
                ShortVector wa = ShortVector.fromMemorySegment(S512, data, at, ByteOrder.LITTLE_ENDIAN);
                ShortVector wb = ShortVector.fromMemorySegment(S512, data, at + step, ByteOrder.LITTLE_ENDIAN);
                ShortVector wc = ShortVector.fromMemorySegment(S512, data, at + 2 * step, ByteOrder.LITTLE_ENDIAN);
                ShortVector wd = ShortVector.fromMemorySegment(S512, data, at + 3 * step, ByteOrder.LITTLE_ENDIAN);
                a = LOW_IDX.selectFrom(wa, ZERO).reinterpretAsFloats().fma(ve, a);
                b = LOW_IDX.selectFrom(wb, ZERO).reinterpretAsFloats().fma(ve, b);
                c = LOW_IDX.selectFrom(wc, ZERO).reinterpretAsFloats().fma(ve, c);
                d = LOW_IDX.selectFrom(wd, ZERO).reinterpretAsFloats().fma(ve, d);
                a = HIGH_IDX.selectFrom(wa, ZERO).reinterpretAsFloats().fma(vo, a);
                b = HIGH_IDX.selectFrom(wb, ZERO).reinterpretAsFloats().fma(vo, b);
                c = HIGH_IDX.selectFrom(wc, ZERO).reinterpretAsFloats().fma(vo, c);
                d = HIGH_IDX.selectFrom(wd, ZERO).reinterpretAsFloats().fma(vo, d);
            }
            out[r] = a.reduceLanes(VectorOperators.ADD);
            out[r + q] = b.reduceLanes(VectorOperators.ADD);
            out[r + 2 * q] = c.reduceLanes(VectorOperators.ADD);
            out[r + 3 * q] = d.reduceLanes(VectorOperators.ADD);
        }
        for (int t = from + 4 * q; t < to; t++) out[t] = row(t);
    }

    static final IntVector HIGH = IntVector.broadcast(I, 0xFFFF0000);

    void and4q(int from, int to) {
        int q = (to - from) / 4;
        long step = q * ROW_BYTES;
        for (int r = from; r < from + q; r++) {
            long base = r * ROW_BYTES;
            FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
            for (int i = 0; i < COLS; i += 32) {
                long at = base + i * 2L;
                FloatVector ve = FloatVector.fromArray(F, x, i), vo = FloatVector.fromArray(F, x, i + 16);
                IntVector wa = IntVector.fromMemorySegment(I, data, at, ByteOrder.LITTLE_ENDIAN);
                IntVector wb = IntVector.fromMemorySegment(I, data, at + step, ByteOrder.LITTLE_ENDIAN);
                IntVector wc = IntVector.fromMemorySegment(I, data, at + 2 * step, ByteOrder.LITTLE_ENDIAN);
                IntVector wd = IntVector.fromMemorySegment(I, data, at + 3 * step, ByteOrder.LITTLE_ENDIAN);
                a = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, a);
                b = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, b);
                c = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, c);
                d = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ve, d);
                a = wa.and(HIGH).reinterpretAsFloats().fma(vo, a);
                b = wb.and(HIGH).reinterpretAsFloats().fma(vo, b);
                c = wc.and(HIGH).reinterpretAsFloats().fma(vo, c);
                d = wd.and(HIGH).reinterpretAsFloats().fma(vo, d);
            }
            out[r] = a.reduceLanes(VectorOperators.ADD);
            out[r + q] = b.reduceLanes(VectorOperators.ADD);
            out[r + 2 * q] = c.reduceLanes(VectorOperators.ADD);
            out[r + 3 * q] = d.reduceLanes(VectorOperators.ADD);
        }
        for (int t = from + 4 * q; t < to; t++) out[t] = row(t);
    }

    void run(String kernel, int base, int from, int to) {
        int f = base + from, t = base + to;
        switch (kernel) {
            case "sum" -> sum(f, t);
            case "r1" -> r1(f, t);
            case "sum4q" -> sum4q(f, t);
            case "perm4q" -> perm4q(f, t);
            case "r2h" -> r2h(f, t);
            case "r4n" -> r4(f, t, true);
            case "r4q" -> r4(f, t, false);
            case "r4qP1" -> r4qP(f, t, 1);
            case "r4qP4" -> r4qP(f, t, 4);
            case "and4q" -> and4q(f, t);
            default -> throw new IllegalArgumentException(kernel);
        }
    }

    void pass(String kernel, int jobRows) {
        for (int base = 0; base < ROWS; base += jobRows) {
            int b = base;
            Parallel.forRange(Math.min(jobRows, ROWS - base), COLS, (from, to) -> run(kernel, b, from, to));
        }
    }

    public static void main(String[] args) throws Throwable {
        String source = args[0];
        Path file = Path.of(args[1]);
        int jobRows = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
        String[] kernels = args[4].split(",");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Arena arena = Arena.ofShared();
        MemorySegment mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena).asSlice(1 << 20, BYTES);
        }
        mapped.load();
        String[] sources = source.split("\\+");
        Bf16StreamProbe[] probes = new Bf16StreamProbe[sources.length];
        for (int s = 0; s < sources.length; s++) {
            MemorySegment data = mapped;
            if (!sources[s].equals("file")) {
                Linker l = Linker.nativeLinker();
                MethodHandle mmap = l.downcallHandle(l.defaultLookup().find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                MemorySegment raw = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, BYTES + (2L << 20), 3, 0x22, -1, 0L)).reinterpret(BYTES + (2L << 20));
                long addr = raw.address(), aligned = (addr + (2 << 20) - 1) & -(2L << 20);
                data = raw.asSlice(aligned - addr, BYTES);
                if (sources[s].equals("thp")) {
                    MethodHandle madvise = l.downcallHandle(l.defaultLookup().find("madvise").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                    int rc = (int) madvise.invokeExact(data, BYTES, 14);
                    System.out.println("madvise(MADV_HUGEPAGE) = " + rc);
                }
                data.copyFrom(mapped);
            }
            probes[s] = new Bf16StreamProbe(data);
        }
        System.out.println(meminfo() + " | " + smaps());
        {
            Bf16StreamProbe p0 = probes[0];
            p0.r4(0, 2048, false);
            float[] ref = Arrays.copyOf(p0.out, 2048);
            p0.perm4q(0, 2048);
            System.out.println("perm4q equals r4q bit for bit: " + Arrays.equals(ref, Arrays.copyOf(p0.out, 2048)));
        }
        for (Bf16StreamProbe p : probes) for (String k : kernels) for (int w = 0; w < 2; w++) p.pass(k, jobRows); // C2 on every kernel
        int cases = sources.length * kernels.length;
        double[][] wall = new double[cases][rounds], cpu = new double[cases][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int c = 0; c < cases; c++) {
                Bf16StreamProbe p = probes[c / kernels.length];
                String k = kernels[c % kernels.length];
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                for (int n = 0; n < PASSES; n++) p.pass(k, jobRows);
                wall[c][round] = PASSES * BYTES / (double) (System.nanoTime() - t0);
                cpu[c][round] = PASSES * BYTES / (double) (os.getProcessCpuTime() - c0);
            }
        }
        for (int c = 0; c < cases; c++) {
            System.out.printf(Locale.ROOT, "%s jobRows=%d %-6s wall %s GB/s, per CPU-s %s, load %.1f%n", sources[c / kernels.length], jobRows,
                    kernels[c % kernels.length], stats(wall[c]), stats(cpu[c]), os.getSystemLoadAverage());
        }
    }

    static String meminfo() throws IOException {
        List<String> keep = new ArrayList<>();
        for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo")))
            if (l.startsWith("AnonHugePages") || l.startsWith("FileHugePages") || l.startsWith("FilePmdMapped")) keep.add(l.replaceAll("\\s+", " "));
        return String.join("; ", keep);
    }

    static String smaps() throws IOException {
        List<String> keep = new ArrayList<>();
        for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/self/smaps_rollup")))
            if (l.contains("Huge") || l.contains("Pmd")) keep.add(l.replaceAll("\\s+", " "));
        return String.join("; ", keep);
    }

    static String stats(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f [%.1f..%.1f]", s[s.length / 2], s[0], s[s.length - 1]);
    }
}
