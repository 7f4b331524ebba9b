package dev.bastion.bench;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.tensor.Bf16Matrix;
import dev.bastion.engine.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Where a Llama-3.2-1B BF16 decode step goes beyond its matrices: alternates, in one JVM, whole decode steps of the
 * generated model in {@code dir} with "matrix-only steps" (the step's 65 matVecs -- per layer q/k/v 3072 x 2048,
 * o 2048 x 2048, gate/up 16384 x 2048, down 2048 x 8192, then the output head 128256 x 2048 -- as {@code Bf16Matrix}es
 * over consecutive slices of the same mapped safetensors file), and the bandwidth probe. Prints ms per step (wall) and
 * CPU ms per step, medians [min..max], and the step's bytes over wall time against the probe.
 * Args: dir steps rounds [kinds: all|qkv|o|gateup|down|head].
 */
public final class Bf16StepProbe {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Arena arena = Arena.ofShared();
        MemorySegment file;
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        List<Matrix> ms = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        long at = 0;
        int[][] layer = {{3072, 2048}, {2048, 2048}, {16384, 2048}, {2048, 8192}};
        String[] names = {"qkv", "o", "gateup", "down"};
        for (int l = 0; l < 16; l++) {
            for (int k = 0; k < 4; k++) {
                long bytes = 2L * layer[k][0] * layer[k][1];
                if (at + bytes > file.byteSize()) at = 0;
                ms.add(new Bf16Matrix(file.asSlice(at, bytes), layer[k][0], layer[k][1]));
                kinds.add(names[k]);
                at += bytes;
            }
        }
        long headBytes = 2L * 128256 * 2048;
        if (at + headBytes > file.byteSize()) at = 0;
        ms.add(new Bf16Matrix(file.asSlice(at, headBytes), 128256, 2048));
        kinds.add("head");
        long stepBytes = 0;
        for (Matrix m : ms) stepBytes += 2L * m.rows() * m.cols();
        float[] x = new float[8192];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        float[] out = new float[128256];
        String[] only = args.length > 3 ? args[3].split(",") : new String[0];

        try (LlamaModel model = BenchModels.loadOrGenerate("llama-3.2-1b", dir, "bf16")) {
            int[] tokens = new Random(7).ints(16 + steps, 0, model.config().vocabSize()).toArray();
            InferenceState state = model.newState(16 + steps + 1);
            for (int i = 0; i < 16; i++) model.forward(state, tokens[i], i);
            double[] fwdWall = new double[rounds], fwdCpu = new double[rounds], matWall = new double[rounds], matCpu = new double[rounds];
            double[][] kindWall = new double[only.length][rounds];
            double[] probe = new double[rounds];
            for (int round = -1; round < rounds; round++) {
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                for (int i = 16; i < 16 + steps; i++) model.forward(state, tokens[i], i);
                long c1 = os.getProcessCpuTime(), t1 = System.nanoTime();
                for (int s = 0; s < steps; s++) for (Matrix m : ms) m.matVec(x, out);
                long c2 = os.getProcessCpuTime(), t2 = System.nanoTime();
                for (int k = 0; k < only.length; k++) {
                    long tk = System.nanoTime();
                    for (int s = 0; s < steps; s++) for (int j = 0; j < ms.size(); j++) if (kinds.get(j).equals(only[k])) ms.get(j).matVec(x, out);
                    if (round >= 0) kindWall[k][round] = (System.nanoTime() - tk) / 1e6 / steps;
                }
                double bw = BandwidthProbe.measure(3).best();
                if (round < 0) continue;
                fwdWall[round] = (t1 - t0) / 1e6 / steps;
                fwdCpu[round] = (c1 - c0) / 1e6 / steps;
                matWall[round] = (t2 - t1) / 1e6 / steps;
                matCpu[round] = (c2 - c1) / 1e6 / steps;
                probe[round] = bw / 1e9;
                // reset the cache so every round decodes the same positions
                state = model.newState(16 + steps + 1);
                for (int i = 0; i < 16; i++) model.forward(state, tokens[i], i);
                System.out.printf(Locale.ROOT, "round %d: forward %.1f ms (cpu %.1f), matrices %.1f ms (cpu %.1f), probe %.1f GB/s, load %.1f%n",
                        round, fwdWall[round], fwdCpu[round], matWall[round], matCpu[round], probe[round], os.getSystemLoadAverage());
            }
            double f = median(fwdWall), mm = median(matWall), p = median(probe);
            System.out.printf(Locale.ROOT, "forward %s ms (cpu %s); matrices %s ms (cpu %s); probe best-of-3 %s GB/s%n",
                    stats(fwdWall), stats(fwdCpu), stats(matWall), stats(matCpu), stats(probe));
            System.out.printf(Locale.ROOT, "step bytes %.3f GB: forward %.1f tok/s = %.1f GB/s = %.1f%% of probe; matrices %.1f GB/s = %.1f%%%n",
                    stepBytes / 1e9, 1000 / f, stepBytes / f / 1e6, 100 * stepBytes / f / 1e6 / p, stepBytes / mm / 1e6, 100 * stepBytes / mm / 1e6 / p);
            for (int k = 0; k < only.length; k++) {
                long b = 0;
                for (int j = 0; j < ms.size(); j++) if (kinds.get(j).equals(only[k])) b += 2L * ms.get(j).rows() * ms.get(j).cols();
                double ms1 = median(kindWall[k]);
                System.out.printf(Locale.ROOT, "  %-6s %s ms per step, %.1f GB/s%n", only[k], stats(kindWall[k]), b / ms1 / 1e6);
            }
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String stats(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f [%.1f..%.1f]", s[s.length / 2], s[0], s[s.length - 1]);
    }
}
