package dev.bastion.bench;

import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.gguf.GgufFile;
import dev.bastion.engine.gguf.GgufTensor;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.WeightFormat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Whole-model decode of a quantized GGUF of a real shape (random weights, the file {@code bastion create --quantize}
 * writes, as {@code bin/bench --peer} does), timed in wall time and in the process's CPU time per token, so a busy
 * machine's other processes drop out of the second. Prints what the file holds (weights per tensor type and where).
 * Running this class against an older engine jar first on the class path gives a same-machine before/after:
 * {@code java --add-modules jdk.incubator.vector -Xmx12g -cp OLD.jar:bench/target/benchmarks.jar
 * dev.bastion.bench.KQuantDecodeCpu llama-3.2-1b Q4_K_M 32 3 /tmp/1b-q4km.gguf}.
 */
public final class KQuantDecodeCpu {

    private KQuantDecodeCpu() {}

    public static void main(String[] args) throws Exception {
        String shape = args.length > 0 ? args[0] : "llama-3.2-1b";
        PeerBench.Type type = PeerBench.Type.valueOf(args.length > 1 ? args[1] : "Q4_K_M");
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path dir = Files.createTempDirectory("bastion-kquant-");
        try {
            // A fifth argument keeps the file there (or reuses it), so alternating jars need not quantize 1B weights each time.
            Path gguf = args.length > 4 ? Path.of(args[4]) : dir.resolve("model.gguf");
            if (!Files.exists(gguf)) PeerBench.writeGguf(BenchModels.generateWithFullVocabulary(dir.resolve("hf"), BenchModels.shape(shape)), type, gguf);
            describe(gguf);
            try (LanguageModel model = ModelFormat.open(gguf).load(WeightFormat.AS_STORED)) {
                Random random = new Random(17);
                int vocab = model.config().vocabSize();
                int[] steps = random.ints(16 + tokens, 0, vocab).toArray();
                double[] wall = new double[rounds], cpu = new double[rounds];
                for (int round = -1; round < rounds; round++) { // round -1 warms up
                    InferenceState state = model.newState(steps.length);
                    model.prefill(state, Arrays.copyOf(steps, 16), 0);
                    long cpu0 = processCpuNanos(), wall0 = System.nanoTime();
                    for (int i = 16; i < steps.length; i++) model.forward(state, steps[i], i);
                    if (round < 0) continue;
                    wall[round] = (System.nanoTime() - wall0) / 1e6 / tokens;
                    cpu[round] = (processCpuNanos() - cpu0) / 1e6 / tokens;
                }
                Arrays.sort(wall);
                Arrays.sort(cpu);
                System.out.printf(Locale.ROOT, "%s %s decode: %.1f ms per token wall (%.1f tok/s), %.1f ms CPU per token, medians of %d rounds of %d; load %s%n",
                        shape, type, wall[rounds / 2], 1000 / wall[rounds / 2], cpu[rounds / 2], rounds, tokens,
                        Files.readString(Path.of("/proc/loadavg")).trim());
            }
        } finally {
            BenchModels.delete(dir);
        }
    }

    /** Weights and bytes per tensor type, and per matrix kind which types it has in which blocks. */
    private static void describe(Path gguf) throws Exception {
        try (GgufFile file = GgufFile.open(gguf)) {
            Map<StorageType, long[]> byType = new TreeMap<>();
            Map<String, Map<StorageType, StringBuilder>> kinds = new TreeMap<>();
            for (GgufTensor t : file.tensors().values()) {
                byType.computeIfAbsent(t.type(), k -> new long[2])[0] += t.elements();
                byType.get(t.type())[1] += t.byteLength();
                if (t.dims().length != 2) continue;
                String block = t.name().matches("blk\\.\\d+\\..*") ? t.name().split("\\.")[1] : "";
                kinds.computeIfAbsent(t.name().replaceAll("blk\\.\\d+\\.", "blk.N."), k -> new TreeMap<>())
                        .computeIfAbsent(t.type(), k -> new StringBuilder()).append(block.isEmpty() ? "" : " " + block);
            }
            byType.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-5s %7.1f M weights, %7.1f MB%n", k, v[0] / 1e6, v[1] / 1e6));
            kinds.forEach((kind, types) -> System.out.printf("  %-24s %s%n", kind, types));
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
