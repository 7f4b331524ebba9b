package dev.bastion.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {

    private static SamplerOptions options(float temperature, int topK, float topP, float minP, Long seed) {
        return new SamplerOptions(temperature, topK, topP, minP, 1f, 64, seed);
    }

    private static float[] randomLogits(Random random, int vocab) {
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) logits[i] = (float) random.nextGaussian() * 3;
        return logits;
    }

    private static int referenceArgmax(float[] logits) {
        return IntStream.range(0, logits.length).boxed().max(Comparator.comparingDouble(i -> logits[i])).orElseThrow();
    }

    /** Logits whose softmax (temperature 1) is exactly {@code probabilities}. */
    private static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.log(probabilities[i]);
        return logits;
    }

    private static Map<Integer, Integer> histogram(Sampler sampler, float[] logits, int draws) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < draws; i++) counts.merge(sampler.sample(logits), 1, Integer::sum);
        return counts;
    }

    /** 1/T overflows float for a subnormal T: (max - max) * Infinity is NaN, which once made every weight useless. */
    @Test
    void aTemperatureSoSmallItsInverseOverflowsSamplesTheArgmax() {
        float[] logits = {0.5f, 3f, 1f, -2f, 2.5f};
        for (float temperature : new float[] {1e-40f, Float.MIN_VALUE}) {
            for (int topK : new int[] {0, 3}) {
                Sampler sampler = new Sampler(options(temperature, topK, 1f, 0f, 7L));
                assertThat(sampler.sample(logits)).as("T=%s top_k=%d", temperature, topK).isEqualTo(1);
            }
        }
    }

    @Test
    void greedyPicksTheArgmax() {
        Random random = new Random(1);
        Sampler sampler = new Sampler(SamplerOptions.GREEDY);
        for (int round = 0; round < 50; round++) {
            float[] logits = randomLogits(random, 500);
            assertThat(sampler.sample(logits)).isEqualTo(referenceArgmax(logits));
        }
    }

    @Test
    void sameSeedGivesTheSameSequenceAndAnotherSeedDiffers() {
        float[] flat = new float[1000];
        SamplerOptions seeded = options(1f, 0, 1f, 0f, 42L);
        int[] first = IntStream.range(0, 40).map(i -> 0).toArray();
        Sampler a = new Sampler(seeded);
        Sampler b = new Sampler(seeded);
        Sampler other = new Sampler(options(1f, 0, 1f, 0f, 43L));
        int[] seqA = new int[40], seqB = new int[40], seqOther = new int[40];
        for (int i = 0; i < first.length; i++) {
            seqA[i] = a.sample(flat);
            seqB[i] = b.sample(flat);
            seqOther[i] = other.sample(flat);
        }
        assertThat(seqA).isEqualTo(seqB);
        assertThat(seqOther).isNotEqualTo(seqA);
        assertThat(Arrays.stream(seqA).distinct().count()).as("a flat distribution spreads draws").isGreaterThan(30);
    }

    @Test
    void topKOfOneIsGreedyEvenWhenHot() {
        Random random = new Random(2);
        Sampler sampler = new Sampler(options(2f, 1, 1f, 0f, 7L));
        for (int round = 0; round < 50; round++) {
            float[] logits = randomLogits(random, 300);
            assertThat(sampler.sample(logits)).isEqualTo(referenceArgmax(logits));
        }
    }

    @Test
    void topKDrawsOnlyFromTheKHighestLogits() {
        float[] logits = randomLogits(new Random(3), 2000);
        Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -logits[i]));
        Sampler sampler = new Sampler(options(5f, 5, 1f, 0f, 11L));
        Map<Integer, Integer> counts = histogram(sampler, logits, 3000);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(Arrays.copyOf(order, 5));
    }

    @Test
    void topPExcludesTheTail() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        Map<Integer, Integer> counts = histogram(new Sampler(options(1f, 0, 0.75f, 0f, 5L)), logits, 10_000);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(0, 1);
        // Renormalized over the nucleus: 0.5 / 0.8.
        assertThat(counts.get(0) / 10_000.0).isCloseTo(0.625, within(0.02));
    }

    @Test
    void minPExcludesTokensFarBelowTheBest() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        Map<Integer, Integer> counts = histogram(new Sampler(options(1f, 0, 1f, 0.4f, 5L)), logits, 10_000);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(0, 1);
        Map<Integer, Integer> unfiltered = histogram(new Sampler(options(1f, 0, 1f, 0f, 5L)), logits, 10_000);
        assertThat(unfiltered.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(unfiltered.get(3) / 10_000.0).isCloseTo(0.05, within(0.01));
    }

    /** The ids top-p and then min-p keep, computed the slow, obvious way. */
    private static Set<Integer> referenceNucleus(float[] logits, float topP, float minP) {
        double max = IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();
        double[] weights = IntStream.range(0, logits.length).mapToDouble(i -> Math.exp(logits[i] - max)).toArray();
        double sum = Arrays.stream(weights).sum();
        Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -weights[i]));
        Set<Integer> kept = new HashSet<>();
        double cumulative = 0;
        for (Integer id : order) {
            if (weights[id] < weights[order[0]] * minP) break;
            kept.add(id);
            cumulative += weights[id] / sum;
            if (cumulative >= topP) break;
        }
        return kept;
    }

    @Test
    void withoutTopKALargeNucleusIsFoundBeyondTheFirstSelection() {
        float[] logits = randomLogits(new Random(4), 2000);
        for (int i = 0; i < logits.length; i++) logits[i] /= 12; // nearly flat: the 0.9 nucleus holds thousands of ids
        Set<Integer> nucleus = referenceNucleus(logits, 0.9f, 0f);
        assertThat(nucleus).hasSizeGreaterThan(1000);
        Map<Integer, Integer> counts = histogram(new Sampler(options(1f, 0, 0.9f, 0f, 3L)), logits, 1500);
        assertThat(nucleus).containsAll(counts.keySet());
        assertThat(counts.keySet()).as("more than the first selection of 256").hasSizeGreaterThan(400);
    }

    @Test
    void withoutTopKMinPKeepsExactlyTheTokensNearTheBest() {
        float[] logits = randomLogits(new Random(5), 2000);
        Set<Integer> kept = referenceNucleus(logits, 1f, 0.2f);
        Map<Integer, Integer> counts = histogram(new Sampler(options(1f, 0, 1f, 0.2f, 3L)), logits, 3000);
        assertThat(counts.keySet()).isEqualTo(kept);
    }

    @Test
    void plainTemperatureSamplingFollowsTheSoftmax() {
        float[] logits = new float[5000];
        logits[7] = (float) Math.log(4999); // token 7 carries half of the probability mass
        Map<Integer, Integer> counts = histogram(new Sampler(options(1f, 0, 1f, 0f, 8L)), logits, 4000);
        assertThat(counts.get(7) / 4000.0).isCloseTo(0.5, within(0.025));
        assertThat(counts.keySet()).hasSizeGreaterThan(1000);
    }

    @Test
    void lowTemperatureConcentratesOnTheBestToken() {
        float[] logits = logitsOf(0.4, 0.35, 0.25);
        Map<Integer, Integer> cold = histogram(new Sampler(options(0.05f, 0, 1f, 0f, 9L)), logits, 4000);
        Map<Integer, Integer> neutral = histogram(new Sampler(options(1f, 0, 1f, 0f, 9L)), logits, 4000);
        // At 0.05 the odds of token 0 over 1 become (0.4/0.35)^20 ≈ 14.5, so about 93.5%.
        assertThat(cold.get(0) / 4000.0).isCloseTo(0.935, within(0.02));
        assertThat(neutral.get(0) / 4000.0).isCloseTo(0.4, within(0.03));
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        SamplerOptions penalized = new SamplerOptions(0f, 0, 1f, 0f, 1.2f, 64, null);
        Sampler sampler = new Sampler(penalized);
        float[] positive = {2.0f, 1.9f, 0f};
        assertThat(new Sampler(SamplerOptions.GREEDY).sample(positive, new int[]{0}, 1)).isZero();
        assertThat(sampler.sample(positive, new int[]{0}, 1)).isEqualTo(1);
        assertThat(positive).as("logits restored after sampling").containsExactly(2.0f, 1.9f, 0f);

        float[] negative = {-1.0f, -1.1f, -5f};
        assertThat(sampler.sample(negative, new int[]{0, 0, 0}, 3)).isEqualTo(1);
    }

    @Test
    void repeatPenaltyOnlyLooksAtTheLastNTokens() {
        Sampler sampler = new Sampler(new SamplerOptions(0f, 0, 1f, 0f, 1.2f, 2, null));
        float[] logits = {2.0f, 1.9f, 0f};
        assertThat(sampler.sample(logits, new int[]{0, 2, 2}, 3)).as("token 0 is outside the window").isZero();
        assertThat(sampler.sample(logits, new int[]{2, 2, 0}, 2)).as("only historyLength entries count").isZero();
        assertThat(sampler.sample(logits, new int[]{2, 0}, 2)).isEqualTo(1);
    }

    @Test
    void aHugeRepeatWindowCostsOnlyWhatTheHistoryNeeds() {
        Sampler sampler = new Sampler(new SamplerOptions(0f, 0, 1f, 0f, 1.2f, Integer.MAX_VALUE, null));
        assertThat(sampler.sample(new float[]{2.0f, 1.9f}, new int[]{0, 0, 0}, 3)).isEqualTo(1);
    }

    @Test
    void hostileInputIsRejectedOrIgnored() {
        Sampler hot = new Sampler(options(1f, 0, 1f, 0f, 1L));
        assertThatThrownBy(() -> hot.sample(new float[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        float[] allNaN = {Float.NaN, Float.NaN};
        assertThatThrownBy(() -> hot.sample(allNaN)).hasMessageContaining("no finite value");
        assertThatThrownBy(() -> new Sampler(SamplerOptions.GREEDY).sample(allNaN)).hasMessageContaining("no finite value");
        assertThatThrownBy(() -> hot.sample(new float[]{1f}, new int[1], 2)).hasMessageContaining("historyLength 2");

        float[] someNaN = {Float.NaN, 1f, Float.NaN, Float.NEGATIVE_INFINITY};
        assertThat(histogram(hot, someNaN, 200).keySet()).containsExactly(1);
        Sampler penalized = new Sampler(new SamplerOptions(0f, 0, 1f, 0f, 2f, 8, null));
        assertThat(penalized.sample(new float[]{1f, 0.5f}, new int[]{-3, 99, 1}, 3)).as("out-of-range history ignored").isZero();
    }
}
