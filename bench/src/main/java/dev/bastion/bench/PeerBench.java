package dev.bastion.bench;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.QuantizationMix;
import dev.bastion.engine.format.QuantizedCheckpoint;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.tiny.TinyModelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;

/**
 * Bastion against llama.cpp in one run, on GGUF files of real model shapes with random weights written here:
 * per shape and weight type, a logits-agreement check, then rounds that alternate the engines (so a noisy neighbour
 * slows both alike) over prefill-64, prefill-512 and decode; prints min/median/max tokens/s, the ratio of medians,
 * and decode's share of the measured read bandwidth. {@code bin/bench --peer [--quick]} runs it.
 */
public final class PeerBench {

    /** Weight types: BF16 as generated, or a quantization mix of {@code bastion create --quantize}. */
    enum Type {
        BF16(null), Q8_0(QuantizationMix.Q8_0), Q4_0(QuantizationMix.Q4_0), Q4_K_M(QuantizationMix.Q4_K_M);

        /** llama.cpp's LLAMA_FTYPE_MOSTLY_BF16. */
        static final int BF16_FILE_TYPE = 32;

        final QuantizationMix mix;

        Type(QuantizationMix mix) {
            this.mix = mix;
        }
    }

    /** Largest |log p(Bastion) - log p(llama.cpp)| accepted over llama.cpp's top tokens, per type. */
    static double tolerance(Type type) {
        return switch (type) {
            case BF16 -> 0.05;  // llama.cpp keeps an F16 KV cache and F16/BF16 products: a few 1e-3 in logits
            case Q8_0 -> 0.25;       // plus its 8-bit activations
            case Q4_0, Q4_K_M -> 0.5;  // plus 8-bit activations against 4-bit weights
        };
    }

    static final String THREADS_PROPERTY = "bastion.bench.threads";

    static final int DECODE_PREFIX = 16, DECODE_TOKENS = 32, CHECK_POSITIONS = 8, TOP = 32, PROBE_PASSES = 10;

    record Options(List<String> shapes, List<Type> types, int rounds, int threads, Path peerDir) {

        static Options parse(String[] args) {
            boolean quick = false;
            List<String> shapes = null;
            List<Type> types = List.of(Type.values());
            // bin/bench names the thread count: with --threads 1 the pool's parallelism is 0, which the JDK reports as 1.
            int rounds = 5, threads = Integer.getInteger(THREADS_PROPERTY, ForkJoinPool.getCommonPoolParallelism() + 1);
            Path peer = Path.of("bench/llamacpp");
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--shapes" -> shapes = List.of(args[++i].split(","));
                    case "--types" -> types = Arrays.stream(args[++i].split(",")).map(t -> Type.valueOf(t.toUpperCase(Locale.ROOT))).toList();
                    case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                    case "--peer-dir" -> peer = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (--quick, --shapes a,b, --types bf16,q8_0,q4_0,q4_k_m, --rounds N, --peer-dir DIR)");
                }
            }
            if (shapes == null) shapes = quick ? List.of("smollm2-135m") : List.of("smollm2-135m", "llama-3.2-1b");
            if (quick) rounds = Math.min(rounds, 3);
            return new Options(shapes, types, rounds, threads, peer);
        }
    }

    /** Tokens/s over the rounds. */
    record Stats(double min, double median, double max) {
        static Stats of(List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Stats(v[0], median, v[v.length - 1]);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%8.1f [%6.1f..%6.1f]", median, min, max);
        }
    }

    private PeerBench() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.out.printf(Locale.ROOT, "threads: %d (Bastion's pool and llama.cpp's), rounds: %d, load average: %s%n",
                options.threads, options.rounds, loadAverage());
        BandwidthProbe.Reading before = BandwidthProbe.measure(PROBE_PASSES);
        System.out.printf(Locale.ROOT, "measured read bandwidth: %s%n", before);
        try (LlamaCppPeer peer = LlamaCppPeer.start(options.peerDir)) {
            for (String shape : options.shapes) runShape(shape, options, peer, before.best());
        }
        // Neighbours come and go during a long run: a second reading shows how far the limit moved.
        System.out.printf(Locale.ROOT, "read bandwidth after: %s%n", BandwidthProbe.measure(PROBE_PASSES));
        System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
    }

    private static void runShape(String shapeName, Options options, LlamaCppPeer peer, double bandwidth) throws Exception {
        TinyModelSpec spec = BenchModels.shape(shapeName);
        Path dir = Files.createTempDirectory("bastion-peer-");
        try {
            Path hf = BenchModels.generateWithFullVocabulary(dir.resolve("hf"), spec);
            System.out.printf(Locale.ROOT, "%n== %s (random weights)%n", shapeName);
            System.out.printf(Locale.ROOT, "%-6s %-11s %28s %28s %7s %s%n", "type", "workload",
                    "bastion tok/s med [min..max]", "llama.cpp tok/s med [min..max]", "ratio", "bandwidth (b / l)");
            for (Type type : options.types) {
                Path gguf = dir.resolve(shapeName + "-" + type.name().toLowerCase(Locale.ROOT) + ".gguf");
                writeGguf(hf, type, gguf);
                runType(type, gguf, spec, options, peer, bandwidth);
                Files.delete(gguf);
            }
        } finally {
            BenchModels.delete(dir);
        }
    }

    /** The file {@code bastion create --quantize} would write: the production quantizers and GGUF exporter. */
    static void writeGguf(Path hf, Type type, Path gguf) throws IOException {
        if (type.mix == null) {
            try (Checkpoint source = ModelFormat.open(hf)) {
                GgufModelExport.write(hf, source, Type.BF16_FILE_TYPE, gguf);
            }
            return;
        }
        try (Checkpoint quantized = QuantizedCheckpoint.quantize(ModelFormat.open(hf), type.mix, (name, done) -> {})) {
            GgufModelExport.write(hf, quantized, type.mix.llamaFileType(), gguf);
        }
    }

    private static void runType(Type type, Path gguf, TinyModelSpec spec, Options options, LlamaCppPeer peer,
                                double bandwidth) throws Exception {
        peer.load(gguf, options.threads, 1024, 512);
        Bastion bastion = new Bastion(ModelFormat.open(gguf).load(WeightFormat.AS_STORED));
        try {
            Random random = new Random(17);
            int[] p64 = random.ints(64, 0, spec.vocabSize()).toArray();
            int[] p512 = random.ints(512, 0, spec.vocabSize()).toArray();
            int[] prefix = random.ints(DECODE_PREFIX, 0, spec.vocabSize()).toArray();
            int[] steps = random.ints(DECODE_TOKENS, 0, spec.vocabSize()).toArray();
            String agreement = agreement(bastion.model, peer, random.ints(CHECK_POSITIONS, 0, spec.vocabSize()).toArray(), type);
            List<Double> b64 = new ArrayList<>(), l64 = new ArrayList<>(), b512 = new ArrayList<>(), l512 = new ArrayList<>();
            List<Double> bDec = new ArrayList<>(), lDec = new ArrayList<>();
            for (int round = -1; round < options.rounds; round++) { // round -1 warms both up
                double bp64 = bastion.prefill(p64);
                double lp64 = 64 / (peer.prefillMillis(p64) / 1000);
                double bp512 = bastion.prefill(p512);
                double lp512 = 512 / (peer.prefillMillis(p512) / 1000);
                double bd = bastion.decode(prefix, steps);
                double ld = DECODE_TOKENS / (peer.decodeMillis(prefix, steps) / 1000);
                if (round < 0) continue;
                b64.add(bp64); l64.add(lp64); b512.add(bp512); l512.add(lp512); bDec.add(bd); lDec.add(ld);
            }
            double bytesPerToken = Files.size(gguf); // tied embeddings: every weight, the embedding as lm_head, is read once
            print(type, "prefill-64", b64, l64, null);
            print(type, "prefill-512", b512, l512, null);
            print(type, "decode", bDec, lDec, bytesPerToken / bandwidth);
            System.out.printf(Locale.ROOT, "%-6s logits: %s%n", type, agreement);
        } finally {
            bastion.model.close();
            peer.unload();
        }
    }

    private static void print(Type type, String workload, List<Double> bastion, List<Double> llama, Double secondsAtFullBandwidth) {
        Stats b = Stats.of(bastion), l = Stats.of(llama);
        String bw = secondsAtFullBandwidth == null ? "" : String.format(Locale.ROOT, "%.0f%% / %.0f%%",
                100 * b.median * secondsAtFullBandwidth, 100 * l.median * secondsAtFullBandwidth);
        System.out.printf(Locale.ROOT, "%-6s %-11s %28s %28s %6.2fx %s%n", type, workload, b, l, b.median / l.median, bw);
        System.out.flush();
    }

    /**
     * Runs both engines over the same tokens and compares, at each position, the log-probabilities of llama.cpp's
     * {@link #TOP} most likely next tokens, and whether the most likely token is the same.
     */
    static String agreement(LanguageModel model, LlamaCppPeer peer, int[] tokens, Type type) throws IOException {
        List<List<double[]>> theirs = peer.topProbabilities(tokens, TOP);
        InferenceState state = model.newState(tokens.length);
        double worst = 0;
        int sameTop = 0;
        for (int pos = 0; pos < tokens.length; pos++) {
            float[] logits = model.forward(state, tokens[pos], pos);
            double[] logProbs = logSoftmax(logits);
            List<double[]> top = theirs.get(pos);
            int ours = argmax(logits);
            if (!top.isEmpty() && (int) top.get(0)[0] == ours) sameTop++;
            for (double[] pair : top) worst = Math.max(worst, Math.abs(logProbs[(int) pair[0]] - Math.log(pair[1])));
        }
        boolean ok = worst <= tolerance(type) && sameTop == tokens.length;
        return String.format(Locale.ROOT, "%s: max |Δ log p| over llama.cpp's top %d = %.4f (tolerance %.2f), same top token at %d/%d positions",
                ok ? "AGREE" : "DISAGREE", TOP, worst, tolerance(type), sameTop, tokens.length);
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += Math.exp(v - max);
        double log = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) out[i] = logits[i] - log;
        return out;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Bastion on the same GGUF file, its weights used in place. */
    private record Bastion(LanguageModel model) {

        /** Tokens/s of a prefill of {@code tokens} from an empty state. */
        double prefill(int[] tokens) {
            InferenceState state = model.newState(tokens.length);
            long start = System.nanoTime();
            model.prefill(state, tokens, 0);
            return tokens.length / ((System.nanoTime() - start) / 1e9);
        }

        /** Tokens/s of one-token forward steps after an untimed prefill of {@code prefix}. */
        double decode(int[] prefix, int[] steps) {
            InferenceState state = model.newState(prefix.length + steps.length);
            model.prefill(state, prefix, 0);
            long start = System.nanoTime();
            for (int i = 0; i < steps.length; i++) model.forward(state, steps[i], prefix.length + i);
            return steps.length / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
