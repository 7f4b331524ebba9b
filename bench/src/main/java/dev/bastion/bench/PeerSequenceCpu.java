package dev.bastion.bench;

import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.tiny.TinyModelSpec;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bin/bench --peer}'s Bastion side without llama.cpp, in its order and in one JVM: generate the shape's model,
 * then per type write its GGUF, load it, run the logit check's forward steps, and a warm-up round plus {@code rounds}
 * rounds of prefill-64, prefill-512 and 32 decode steps. Prints each round's wall tokens/s and, for prefill-512, tokens
 * per CPU-second of the process, so the JIT's two speeds can be counted over fresh JVMs:
 * {@code java --add-modules jdk.incubator.vector -Xmx6g -cp bench/target/benchmarks.jar dev.bastion.bench.PeerSequenceCpu
 * smollm2-135m bf16,q8_0,q4_0,q4_k_m 3}.
 */
public final class PeerSequenceCpu {

    private PeerSequenceCpu() {}

    public static void main(String[] args) throws Exception {
        String shape = args[0];
        PeerBench.Type[] types = Arrays.stream(args[1].split(",")).map(t -> PeerBench.Type.valueOf(t.toUpperCase(Locale.ROOT)))
                .toArray(PeerBench.Type[]::new);
        int rounds = Integer.parseInt(args[2]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        TinyModelSpec spec = BenchModels.shape(shape);
        Path dir = Files.createTempDirectory("bastion-peerseq-");
        StringBuilder summary = new StringBuilder();
        try {
            Path hf = BenchModels.generateWithFullVocabulary(dir.resolve("hf"), spec);
            for (PeerBench.Type type : types) {
                Path gguf = dir.resolve(type.name().toLowerCase(Locale.ROOT) + ".gguf");
                PeerBench.writeGguf(hf, type, gguf);
                try (LanguageModel model = ModelFormat.open(gguf).load(WeightFormat.AS_STORED)) {
                    Random random = new Random(17);
                    int[] p64 = random.ints(64, 0, spec.vocabSize()).toArray();
                    int[] p512 = random.ints(512, 0, spec.vocabSize()).toArray();
                    int[] prefix = random.ints(PeerBench.DECODE_PREFIX, 0, spec.vocabSize()).toArray();
                    int[] steps = random.ints(PeerBench.DECODE_TOKENS, 0, spec.vocabSize()).toArray();
                    int[] check = random.ints(PeerBench.CHECK_POSITIONS, 0, spec.vocabSize()).toArray();
                    InferenceState checkState = model.newState(check.length);
                    for (int pos = 0; pos < check.length; pos++) model.forward(checkState, check[pos], pos);
                    double[] cpu512 = new double[rounds], wall512 = new double[rounds], wall64 = new double[rounds], dec = new double[rounds];
                    for (int round = -1; round < rounds; round++) { // round -1 warms up, as PeerBench's
                        long w = System.nanoTime();
                        model.prefill(model.newState(64), p64, 0);
                        double t64 = 64 / ((System.nanoTime() - w) / 1e9);
                        long c = os.getProcessCpuTime();
                        w = System.nanoTime();
                        model.prefill(model.newState(512), p512, 0);
                        double t512 = 512 / ((System.nanoTime() - w) / 1e9), c512 = 512 / ((os.getProcessCpuTime() - c) / 1e9);
                        InferenceState state = model.newState(prefix.length + steps.length);
                        model.prefill(state, prefix, 0);
                        w = System.nanoTime();
                        for (int i = 0; i < steps.length; i++) model.forward(state, steps[i], prefix.length + i);
                        double td = steps.length / ((System.nanoTime() - w) / 1e9);
                        System.out.printf(Locale.ROOT, "%s round %d: prefill-64 %.1f, prefill-512 %.1f tok/s (%.1f per CPU-s), decode %.1f tok/s%n",
                                type, round, t64, t512, c512, td);
                        if (round < 0) continue;
                        wall64[round] = t64; wall512[round] = t512; cpu512[round] = c512; dec[round] = td;
                    }
                    String line = String.format(Locale.ROOT, "%-6s prefill-64 %6.1f  prefill-512 %6.1f tok/s (%6.1f per CPU-s)  decode %6.1f tok/s; load %s",
                            type, median(wall64), median(wall512), median(cpu512), median(dec), Files.readString(Path.of("/proc/loadavg")).trim());
                    System.out.println(line);
                    summary.append(line).append('\n');
                }
                Files.delete(gguf);
            }
        } finally {
            BenchModels.delete(dir);
        }
        System.out.print("summary\n" + summary);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
