package dev.bastion.bench;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LlamaModel;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Random;

/**
 * Whole-model decode on a generated model of a {@code bin/bench} shape, timed in the process's CPU time (tokens per
 * CPU-second) as well as wall time, so a busy machine's other processes mostly drop out. The model is generated into
 * {@code dir} once and reused, so old and new engine jars can be run back to back on the same weights:
 * {@code java --add-modules jdk.incubator.vector -Xmx9g -cp bench/target/benchmarks.jar dev.bastion.bench.DecodeModelCpu
 * llama-3.2-1b /tmp/bench-1b q8_0 64 3} (shape, dir, bf16 or q8_0, steps per round, rounds).
 */
public final class DecodeModelCpu {

    private DecodeModelCpu() {}

    public static void main(String[] args) throws IOException {
        String shape = args[0];
        Path dir = Path.of(args[1]);
        int steps = Integer.parseInt(args[3]), rounds = Integer.parseInt(args[4]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (LlamaModel model = BenchModels.loadOrGenerate(shape, dir, args[2])) {
            int[] tokens = new Random(7).ints(16 + steps, 0, model.config().vocabSize()).toArray();
            InferenceState state = model.newState(16 + steps);
            for (int i = 0; i < 16; i++) model.forward(state, tokens[i], i);
            for (int round = -1; round < rounds; round++) { // round -1 warms the JIT up
                long cpu = os.getProcessCpuTime(), wall = System.nanoTime();
                for (int i = 16; i < 16 + steps; i++) model.forward(state, tokens[i], i);
                double cpuS = (os.getProcessCpuTime() - cpu) / 1e9, wallS = (System.nanoTime() - wall) / 1e9;
                if (round >= 0) System.out.printf("%s %s: %.2f tokens per CPU-second, %.2f tokens/s wall, load %.1f%n",
                        shape, args[2], steps / cpuS, steps / wallS, os.getSystemLoadAverage());
            }
        }
    }
}
