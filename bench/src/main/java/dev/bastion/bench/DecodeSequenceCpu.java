package dev.bastion.bench;

import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.model.WeightFormat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Several weight types' decode in ONE JVM, one after another, as {@code bin/bench --peer} and a server that loads
 * models of several types run them; run it with one type for the same type alone in a fresh JVM. Per type: load the
 * GGUF ({@code bastion create --quantize}'s file, written once into {@code dir} and reused; or {@code st-bf16},
 * {@code st-q8_0}: the checkpoint in {@code hf=DIR} as stored or quantized at load), then rounds of prefill-64 and
 * prefill-512 ({@code prefill=64} or {@code prefill=} for fewer) and 32 decode steps, the first round a warm-up;
 * prints decode's tokens per CPU-second of the process (median, min, max). {@code java --add-modules jdk.incubator.vector -Xmx6g -cp
 * bench/target/benchmarks.jar dev.bastion.bench.DecodeSequenceCpu smollm2-135m /work/models bf16,q8_0,q4_0,q4_k_m 5}.
 */
public final class DecodeSequenceCpu {

    private DecodeSequenceCpu() {}

    public static void main(String[] args) throws Exception {
        String shape = args[0];
        Path dir = Path.of(args[1]);
        String[] types = args[2].split(",");
        int rounds = Integer.parseInt(args[3]);
        int[] prefills = {64, 512};
        Path hf = null;
        for (int i = 4; i < args.length; i++) {
            if (args[i].startsWith("prefill=")) {
                String list = args[i].substring("prefill=".length());
                prefills = list.isEmpty() ? new int[0] : Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
            } else if (args[i].startsWith("hf=")) {
                hf = Path.of(args[i].substring("hf=".length()));
            } else {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        StringBuilder summary = new StringBuilder();
        for (String name : types) {
            // st-bf16 / st-q8_0: the Hugging Face checkpoint in hf= as stored, or quantized to Q8_0 at load (native memory).
            boolean fromSafetensors = name.startsWith("st-");
            PeerBench.Type type = PeerBench.Type.valueOf(name.substring(fromSafetensors ? 3 : 0).toUpperCase(Locale.ROOT));
            Path gguf = dir.resolve(fileName(shape, type));
            if (!fromSafetensors && !Files.exists(gguf)) {
                Path tmp = Files.createTempDirectory("bastion-seq-");
                try {
                    PeerBench.writeGguf(BenchModels.generateWithFullVocabulary(tmp, BenchModels.shape(shape)), type, gguf);
                } finally {
                    BenchModels.delete(tmp);
                }
            }
            try (LanguageModel model = !fromSafetensors ? ModelFormat.open(gguf).load(WeightFormat.AS_STORED)
                    : type == PeerBench.Type.Q8_0 ? LlamaModel.load(hf, WeightFormat.Q8_0) : LlamaModel.load(hf)) {
                Random random = new Random(17);
                int vocab = model.config().vocabSize();
                int[] p64 = random.ints(64, 0, vocab).toArray(), p512 = random.ints(512, 0, vocab).toArray();
                int[] steps = random.ints(16 + 32, 0, vocab).toArray();
                double[] perCpu = new double[rounds], wall = new double[rounds];
                for (int round = -1; round < rounds; round++) { // round -1 warms up
                    for (int p : prefills) model.prefill(model.newState(p), p == 64 ? p64 : p == 512 ? p512 : random.ints(p, 0, vocab).toArray(), 0);
                    InferenceState state = model.newState(steps.length);
                    model.prefill(state, Arrays.copyOf(steps, 16), 0);
                    long cpu0 = os.getProcessCpuTime(), wall0 = System.nanoTime(), jit0 = jitMillis(), gc0 = gcMillis();
                    for (int i = 16; i < steps.length; i++) model.forward(state, steps[i], i);
                    if (round < 0) continue;
                    perCpu[round] = 32 / ((os.getProcessCpuTime() - cpu0) / 1e9);
                    wall[round] = 32 / ((System.nanoTime() - wall0) / 1e9);
                    System.out.printf(Locale.ROOT, "%s round %d: %.2f tokens per CPU-second (JIT %d ms, GC %d ms in the round)%n",
                            type, round, perCpu[round], jitMillis() - jit0, gcMillis() - gc0);
                }
                double[] sortedCpu = perCpu.clone(), sortedWall = wall.clone();
                Arrays.sort(sortedCpu);
                Arrays.sort(sortedWall);
                String line = String.format(Locale.ROOT, "%s %-9s decode: %6.2f tokens per CPU-second [%.2f..%.2f], %6.1f tok/s wall; load %s",
                        shape, name, sortedCpu[rounds / 2], sortedCpu[0], sortedCpu[rounds - 1], sortedWall[rounds / 2],
                        Files.readString(Path.of("/proc/loadavg")).trim());
                System.out.println(line);
                summary.append(line).append('\n');
            }
        }
        System.out.print("summary (" + String.join(",", types) + ")\n" + summary);
    }

    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static long gcMillis() {
        long sum = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) sum += Math.max(0, gc.getCollectionTime());
        return sum;
    }

    private static String fileName(String shape, PeerBench.Type type) {
        String prefix = shape.startsWith("smollm2-135m") ? "135m" : shape.startsWith("llama-3.2-1b") ? "1b" : shape;
        return prefix + "-" + (type == PeerBench.Type.Q4_K_M ? "q4km" : type.name().toLowerCase(Locale.ROOT)) + ".gguf";
    }
}
