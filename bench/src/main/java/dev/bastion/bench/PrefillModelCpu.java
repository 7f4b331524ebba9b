package dev.bastion.bench;

import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.WeightFormat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Random;

/**
 * Whole-model prefill on a generated model of a {@code bin/bench} shape, timed in the process's CPU time (tokens per
 * CPU-second) as well as wall time, like {@link DecodeModelCpu} (same model directory, generated once and reused), so
 * old and new engine jars can be run back to back on the same weights:
 * {@code java --add-modules jdk.incubator.vector -Xmx9g -cp bench/target/benchmarks.jar dev.bastion.bench.PrefillModelCpu
 * llama-3.2-1b /tmp/bench-1b q8_0 512 3} (shape, dir, bf16 or q8_0, prompt tokens, rounds). A {@code .gguf} file in
 * place of the directory is loaded as stored (the third argument is then only a label), e.g.
 * {@code llama-3.2-1b /work/models/1b-q4km.gguf q4_k_m 512 3}.
 */
public final class PrefillModelCpu {

    private PrefillModelCpu() {}

    public static void main(String[] args) throws Exception {
        String shape = args[0];
        Path dir = Path.of(args[1]);
        int prompt = Integer.parseInt(args[3]), rounds = Integer.parseInt(args[4]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (LanguageModel model = dir.toString().endsWith(".gguf")
                ? ModelFormat.open(dir).load(WeightFormat.AS_STORED) : BenchModels.loadOrGenerate(shape, dir, args[2])) {
            int[] tokens = new Random(7).ints(prompt, 0, model.config().vocabSize()).toArray();
            InferenceState state = model.newState(prompt);
            for (int round = -1; round < rounds; round++) { // round -1 warms the JIT up
                long cpu = os.getProcessCpuTime(), wall = System.nanoTime();
                model.prefill(state, tokens, 0);
                double cpuS = (os.getProcessCpuTime() - cpu) / 1e9, wallS = (System.nanoTime() - wall) / 1e9;
                if (round >= 0) System.out.printf("%s %s prefill-%d: %.1f tokens per CPU-second, %.1f tokens/s wall, load %.1f%n",
                        shape, args[2], prompt, prompt / cpuS, prompt / wallS, os.getSystemLoadAverage());
            }
        }
    }
}
