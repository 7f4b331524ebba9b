package dev.bastion.engine.sampling;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Picks the next token from logits, in llama.cpp/Ollama order: repeat, frequency and presence penalties, then greedy
 * (temperature 0) or top-k, softmax with temperature, locally typical sampling, top-p, min-p and a seeded draw.
 * <p>
 * Stateful (random generator, reused buffers): use one sampler per generation; not thread-safe.
 */
public final class Sampler {

    private static final String RANDOM_ALGORITHM = "L64X128MixRandom";
    private static final int[] NO_HISTORY = new int[0];
    /** First selection size when top-k is off; top-p nuclei are usually far smaller. */
    private static final int INITIAL_CANDIDATES = 256;

    private final SamplerOptions options;
    private final RandomGenerator random;

    // Reused across calls so that sampling does not allocate vocabulary-sized arrays per token.
    private long[] keys = new long[0];
    private int[] candidateIds = new int[0];
    private float[] candidateProbs = new float[0];
    private float[] weights = new float[0];
    private int[] vocabularyIds = new int[0];
    private int[] penalizedIds = new int[0];
    private float[] penalizedOriginals = new float[0];
    private final BitSet penalizedTokens = new BitSet();
    /** Occurrences of each token in the penalty window; only the penalized entries are non-zero between calls. */
    private int[] occurrences = new int[0];

    public Sampler(SamplerOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        RandomGeneratorFactory<RandomGenerator> factory = RandomGeneratorFactory.of(RANDOM_ALGORITHM);
        this.random = options.seed() == null ? factory.create() : factory.create(options.seed());
    }

    public SamplerOptions options() {
        return options;
    }

    /** Samples without a repeat penalty history. */
    public int sample(float[] logits) {
        return sample(logits, NO_HISTORY, 0);
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
            penalizedTokens.clear();
        }
    }

    /**
     * llama.cpp's penalties over the last repeatLastN tokens: each distinct token's logit is divided (positive) or
     * multiplied (negative) by repeat_penalty, then lowered by presence_penalty plus frequency_penalty per occurrence.
     */
    private int applyRepeatPenalty(float[] logits, int[] history, int historyLength) {
        float penalty = options.repeatPenalty();
        float presence = options.presencePenalty();
        float frequency = options.frequencyPenalty();
        if ((penalty == 1f && presence == 0f && frequency == 0f) || options.repeatLastN() == 0) return 0;
        int from = Math.max(0, historyLength - options.repeatLastN());
        if (penalizedIds.length < historyLength - from) {
            penalizedIds = new int[historyLength - from];
            penalizedOriginals = new float[historyLength - from];
        }
        if (occurrences.length < logits.length) occurrences = new int[logits.length];
        int count = 0;
        for (int i = from; i < historyLength; i++) {
            int token = history[i];
            if (token < 0 || token >= logits.length) continue;
            occurrences[token]++;
            if (penalizedTokens.get(token)) continue;
            penalizedTokens.set(token);
            penalizedIds[count] = token;
            penalizedOriginals[count] = logits[token];
            count++;
        }
        for (int i = 0; i < count; i++) {
            int token = penalizedIds[i];
            float logit = logits[token];
            if (penalty != 1f) logit = logit > 0 ? logit / penalty : logit * penalty;
            logits[token] = logit - presence - frequency * occurrences[token];
            occurrences[token] = 0;
        }
        return count;
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
        int vocab = logits.length;
        float max = maxLogit(logits);
        if (!(max > Float.NEGATIVE_INFINITY)) throw new IllegalArgumentException("logits contain no finite value (all -Infinity or NaN)");
        if (max == Float.POSITIVE_INFINITY) return argmax(logits);
        float invTemperature = 1f / options.temperature();
        // A subnormal temperature overflows 1/T, and (max - max) * Infinity is NaN: its limit is greedy, so be greedy.
        if (Float.isInfinite(invTemperature)) return argmax(logits);
        boolean topKLimits = options.topK() > 0 && options.topK() < vocab;
        boolean typical = options.typicalP() < 1f;
        boolean truncates = options.topP() < 1f || options.minP() > 0f || typical;
        if (!topKLimits && !truncates) return drawFromWholeVocabulary(logits, max, invTemperature);

        int n;
        if (topKLimits) {
            // Ollama normalizes over the top k only.
            n = selectTopK(logits, options.topK());
            double sum = 0;
            for (int i = 0; i < n; i++) {
                candidateProbs[i] = weight(candidateProbs[i], max, invTemperature);
                sum += candidateProbs[i];
            }
            for (int i = 0; i < n; i++) candidateProbs[i] = (float) (candidateProbs[i] / sum);
        } else {
            // No top-k: normalize over the whole vocabulary, but sort only as many candidates as top-p/min-p keep,
            // growing the selection until the cut falls inside it.
            double sum = 0;
            for (float logit : logits) sum += weight(logit, max, invTemperature);
            // Typical sampling ranks by distance from the entropy, which needs every candidate.
            int k = typical ? vocab : Math.min(vocab, INITIAL_CANDIDATES);
            while (true) {
                n = selectTopK(logits, k);
                for (int i = 0; i < n; i++) candidateProbs[i] = (float) (weight(candidateProbs[i], max, invTemperature) / sum);
                if (n == vocab || cutFallsWithin(n)) break;
                k = (int) Math.min(vocab, 4L * k);
            }
        }
        if (typical) n = applyTypical(n);
        n = applyTopP(n);
        n = applyMinP(n);
        return draw(candidateIds, candidateProbs, n);
    }

    /**
     * Locally typical sampling (Meister et al., as llama.cpp): keeps the candidates whose surprise is closest to the
     * distribution's entropy until they hold typical_p of the mass, renormalized and back in descending order.
     */
    private int applyTypical(int n) {
        double entropy = 0;
        for (int i = 0; i < n; i++) {
            float p = candidateProbs[i];
            if (p > 0) entropy -= p * Math.log(p);
        }
        Integer[] order = new Integer[n];
        double[] distance = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            float p = candidateProbs[i];
            distance[i] = p > 0 ? Math.abs(-Math.log(p) - entropy) : Double.POSITIVE_INFINITY;
        }
        Arrays.sort(order, (a, b) -> Double.compare(distance[a], distance[b]));
        double cumulative = 0;
        int kept = 0;
        while (kept < n) {
            cumulative += candidateProbs[order[kept]];
            kept++;
            if (cumulative >= options.typicalP()) break;
        }
        Integer[] keptInRank = Arrays.copyOf(order, kept);
        Arrays.sort(keptInRank); // candidate indices ascend as probabilities descend
        int[] ids = new int[kept];
        float[] probs = new float[kept];
        for (int i = 0; i < kept; i++) {
            ids[i] = candidateIds[keptInRank[i]];
            probs[i] = (float) (candidateProbs[keptInRank[i]] / cumulative);
        }
        System.arraycopy(ids, 0, candidateIds, 0, kept);
        System.arraycopy(probs, 0, candidateProbs, 0, kept);
        return kept;
    }

    private static float weight(float logit, float max, float invTemperature) {
        return Float.isNaN(logit) ? 0f : (float) Math.exp((logit - max) * invTemperature);
    }

    /** Whether top-p or min-p would keep fewer than the {@code n} sorted candidates. */
    private boolean cutFallsWithin(int n) {
        if (options.minP() > 0f && candidateProbs[n - 1] < candidateProbs[0] * options.minP()) return true;
        if (options.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) cumulative += candidateProbs[i];
            return cumulative >= options.topP();
        }
        return false;
    }

    private int applyTopP(int n) {
        if (options.topP() >= 1f) return n;
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += candidateProbs[i];
            if (cumulative >= options.topP()) return i + 1;
        }
        return n;
    }

    private int applyMinP(int n) {
        if (options.minP() <= 0f) return n;
        float threshold = candidateProbs[0] * options.minP();
        int kept = 1;
        while (kept < n && candidateProbs[kept] >= threshold) kept++;
        return kept;
    }

    /** Plain temperature sampling needs no ordering: weights in vocabulary order, one pass to draw. */
    private int drawFromWholeVocabulary(float[] logits, float max, float invTemperature) {
        int vocab = logits.length;
        if (weights.length < vocab) {
            weights = new float[vocab];
            vocabularyIds = new int[vocab];
            for (int i = 0; i < vocab; i++) vocabularyIds[i] = i;
        }
        for (int i = 0; i < vocab; i++) weights[i] = weight(logits[i], max, invTemperature);
        return draw(vocabularyIds, weights, vocab);
    }

    /** Draws index i of {@code ids} with probability proportional to {@code weights[i]}, over the first n. */
    private int draw(int[] ids, float[] weights, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) total += weights[i];
        double r = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            r -= weights[i];
            if (r < 0) return ids[i];
        }
        // Rounding left r marginally >= 0: take the last candidate with any weight.
        for (int i = n - 1; i > 0; i--) if (weights[i] > 0) return ids[i];
        return ids[0];
    }

    private static float maxLogit(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float logit : logits) if (logit > max) max = logit;
        return max;
    }

    /**
     * Fills candidateIds/candidateProbs (the latter holding logits for now) with the k highest entries in descending
     * order and returns k. Logits and indices are packed into sortable longs so selection needs no boxing.
     */
    private int selectTopK(float[] logits, int k) {
        int vocab = logits.length;
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
        // keys[0..k) ascending; the best are at the end.
        for (int i = 0; i < k; i++) {
            int id = indexOf(keys[k - 1 - i]);
            candidateIds[i] = id;
            candidateProbs[i] = logits[id];
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
