package dev.bastion.engine.sampling;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Picks the next token from logits, in llama.cpp/Ollama order: repeat penalty, then greedy (temperature 0) or
 * top-k, softmax with temperature, top-p, min-p and a seeded draw.
 * <p>
 * Stateful (random generator, reused buffers): use one sampler per generation; not thread-safe.
 */
public final class Sampler {

    private static final String RANDOM_ALGORITHM = "L64X128MixRandom";

    private final SamplerOptions options;
    private final RandomGenerator random;

    // Reused across calls so that sampling does not allocate vocabulary-sized arrays per token.
    private long[] keys = new long[0];
    private int[] candidateIds = new int[0];
    private float[] candidateProbs = new float[0];
    private final int[] penalizedIds;
    private final float[] penalizedOriginals;

    public Sampler(SamplerOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        RandomGeneratorFactory<RandomGenerator> factory = RandomGeneratorFactory.of(RANDOM_ALGORITHM);
        this.random = options.seed() == null ? factory.create() : factory.create(options.seed());
        this.penalizedIds = new int[options.repeatLastN()];
        this.penalizedOriginals = new float[options.repeatLastN()];
    }

    public SamplerOptions options() {
        return options;
    }

    /** Samples without a repeat penalty history. */
    public int sample(float[] logits) {
        return sample(logits, new int[0], 0);
    }

    /**
     * Samples the next token.
     *
     * @param logits        one value per vocabulary entry; temporarily modified by the repeat penalty, restored on return
     * @param history       the tokens so far (prompt and generated); only the last {@code repeatLastN} are penalized
     * @param historyLength how many entries of {@code history} are valid
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        if (logits.length == 0) throw new IllegalArgumentException("logits must not be empty");
        if (historyLength < 0 || historyLength > history.length) {
            throw new IllegalArgumentException("historyLength " + historyLength + " is outside [0, " + history.length + "]");
        }
        // Penalizing in place and restoring afterwards avoids copying the whole vocabulary per token.
        int penalized = applyRepeatPenalty(logits, history, historyLength);
        try {
            return options.greedy() ? argmax(logits) : sampleStochastic(logits);
        } finally {
            for (int i = 0; i < penalized; i++) logits[penalizedIds[i]] = penalizedOriginals[i];
        }
    }

    private int applyRepeatPenalty(float[] logits, int[] history, int historyLength) {
        float penalty = options.repeatPenalty();
        if (penalty == 1f || options.repeatLastN() == 0) return 0;
        int count = 0;
        for (int i = Math.max(0, historyLength - options.repeatLastN()); i < historyLength; i++) {
            int token = history[i];
            if (token < 0 || token >= logits.length || alreadyPenalized(token, count)) continue;
            penalizedIds[count] = token;
            penalizedOriginals[count] = logits[token];
            count++;
            float logit = logits[token];
            logits[token] = logit > 0 ? logit / penalty : logit * penalty;
        }
        return count;
    }

    private boolean alreadyPenalized(int token, int count) {
        for (int i = 0; i < count; i++) if (penalizedIds[i] == token) return true;
        return false;
    }

    private static int argmax(float[] logits) {
        int best = -1;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > bestValue) {
                bestValue = logits[i];
                best = i;
            }
        }
        if (best < 0) throw new IllegalArgumentException("logits contain no finite value (all -Infinity or NaN)");
        return best;
    }

    private int sampleStochastic(float[] logits) {
        int n = selectTopK(logits);
        float max = candidateProbs[0];
        if (!(max > Float.NEGATIVE_INFINITY)) throw new IllegalArgumentException("logits contain no finite value (all -Infinity or NaN)");
        if (max == Float.POSITIVE_INFINITY) return candidateIds[0];

        // Softmax with temperature over the candidates (sorted by descending logit).
        float invTemperature = 1f / options.temperature();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((candidateProbs[i] - max) * invTemperature);
            candidateProbs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) candidateProbs[i] = (float) (candidateProbs[i] / sum);

        if (options.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += candidateProbs[i];
                if (cumulative >= options.topP()) {
                    n = i + 1;
                    break;
                }
            }
        }
        if (options.minP() > 0f) {
            float threshold = candidateProbs[0] * options.minP();
            int kept = 1;
            while (kept < n && candidateProbs[kept] >= threshold) kept++;
            n = kept;
        }

        double total = 0;
        for (int i = 0; i < n; i++) total += candidateProbs[i];
        double r = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            r -= candidateProbs[i];
            if (r < 0) return candidateIds[i];
        }
        return candidateIds[n - 1]; // rounding left r marginally >= 0
    }

    /**
     * Fills candidateIds/candidateProbs (the latter holding logits for now) with the top-k entries in descending order
     * and returns their count. Logits and indices are packed into sortable longs so selection needs no boxing.
     */
    private int selectTopK(float[] logits) {
        int vocab = logits.length;
        int k = options.topK() == 0 ? vocab : Math.min(options.topK(), vocab);
        if (keys.length < vocab) keys = new long[vocab];
        if (candidateIds.length < k) {
            candidateIds = new int[k];
            candidateProbs = new float[k];
        }
        if (k == vocab) {
            for (int i = 0; i < vocab; i++) keys[i] = key(logits[i], i);
            Arrays.sort(keys, 0, vocab);
        } else {
            // Min-heap of the k best keys: O(vocab log k).
            for (int i = 0; i < k; i++) siftUp(keys, i, key(logits[i], i));
            for (int i = k; i < vocab; i++) {
                long candidate = key(logits[i], i);
                if (candidate > keys[0]) siftDown(keys, k, candidate);
            }
            Arrays.sort(keys, 0, k);
        }
        // keys[0..k) ascending; the best k are the last k entries of the sorted range.
        for (int i = 0; i < k; i++) {
            long key = keys[k - 1 - i];
            int id = indexOf(key);
            candidateIds[i] = id;
            float logit = logits[id];
            candidateProbs[i] = Float.isNaN(logit) ? Float.NEGATIVE_INFINITY : logit;
        }
        return k;
    }

    /** Higher logit → larger key; on ties the lower index gets the larger key. NaN sorts lowest. */
    private static long key(float logit, int index) {
        int bits = Float.floatToIntBits(logit);
        int sortable = Float.isNaN(logit) ? Integer.MIN_VALUE : bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (~index & 0xffffffffL);
    }

    private static int indexOf(long key) {
        return ~(int) key;
    }

    private static void siftUp(long[] heap, int index, long value) {
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (heap[parent] <= value) break;
            heap[index] = heap[parent];
            index = parent;
        }
        heap[index] = value;
    }

    /** Replaces the root with {@code value} and restores the heap order. */
    private static void siftDown(long[] heap, int size, long value) {
        int index = 0;
        while (true) {
            int child = 2 * index + 1;
            if (child >= size) break;
            if (child + 1 < size && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= value) break;
            heap[index] = heap[child];
            index = child;
        }
        heap[index] = value;
    }
}
