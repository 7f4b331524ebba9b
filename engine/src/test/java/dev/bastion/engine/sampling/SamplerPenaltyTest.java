package dev.bastion.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Presence, frequency and typical sampling against a plain scalar reference of llama.cpp's definitions. */
class SamplerPenaltyTest {

    private static final int DRAWS = 200_000;

    /** The reference: penalties, top-k, softmax(T), typical, top-p, min-p; the probability of each vocabulary entry. */
    private static double[] reference(float[] logits, int[] history, SamplerOptions o) {
        double[] l = new double[logits.length];
        for (int i = 0; i < l.length; i++) l[i] = logits[i];
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = Math.max(0, history.length - o.repeatLastN()); i < history.length; i++) counts.merge(history[i], 1, Integer::sum);
        counts.forEach((token, c) -> {
            double v = l[token];
            v = v > 0 ? v / o.repeatPenalty() : v * o.repeatPenalty();
            l[token] = v - o.presencePenalty() - (double) o.frequencyPenalty() * c;
        });
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < l.length; i++) ids.add(i);
        ids.sort(Comparator.comparingDouble((Integer i) -> -l[i]));
        if (o.topK() > 0 && o.topK() < ids.size()) ids = new ArrayList<>(ids.subList(0, o.topK()));
        double max = l[ids.getFirst()];
        Map<Integer, Double> p = new HashMap<>();
        double sum = 0;
        for (int id : ids) sum += Math.exp((l[id] - max) / o.temperature());
        for (int id : ids) p.put(id, Math.exp((l[id] - max) / o.temperature()) / sum);
        if (o.typicalP() < 1) {
            double h = 0;
            for (double q : p.values()) h -= q * Math.log(q);
            double entropy = h;
            List<Integer> byTypicality = new ArrayList<>(ids);
            byTypicality.sort(Comparator.comparingDouble(id -> Math.abs(-Math.log(p.get(id)) - entropy)));
            double mass = 0;
            List<Integer> kept = new ArrayList<>();
            for (int id : byTypicality) {
                kept.add(id);
                mass += p.get(id);
                if (mass >= o.typicalP()) break;
            }
            ids.retainAll(kept);
            double keptMass = mass;
            p.replaceAll((id, q) -> q / keptMass);
        }
        if (o.topP() < 1) {
            double mass = 0;
            int n = 0;
            while (n < ids.size()) {
                mass += p.get(ids.get(n++));
                if (mass >= o.topP()) break;
            }
            ids = new ArrayList<>(ids.subList(0, n));
        }
        double[] out = new double[logits.length];
        double total = 0;
        for (int id : ids) total += p.get(id);
        for (int id : ids) out[id] = p.get(id) / total;
        return out;
    }

    private static double[] histogram(Sampler sampler, float[] logits, int[] history) {
        double[] f = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) f[sampler.sample(logits, history, history.length)] += 1.0 / DRAWS;
        return f;
    }

    private static void assertMatchesReference(SamplerOptions o, float[] logits, int[] history) {
        float[] before = logits.clone();
        double[] expected = reference(logits, history, o);
        double[] actual = histogram(new Sampler(o), logits, history);
        assertThat(logits).as("logits restored").containsExactly(before);
        for (int i = 0; i < logits.length; i++) {
            assertThat(actual[i]).as("token %d under %s", i, o).isCloseTo(expected[i], within(0.006));
        }
    }

    @Test
    void presenceAndFrequencyPenaltiesLowerRepeatedTokensByTheirCounts() {
        float[] logits = {2f, 1.5f, 1f, 0.5f, -0.5f, 0f};
        int[] history = {0, 0, 0, 1, 4, 4, 2};
        SamplerOptions o = new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, 3L, 0.4f, 0.3f, 1f);
        assertMatchesReference(o, logits, history);
        // together with the repeat penalty, and a window that sees only the last three tokens
        assertMatchesReference(new SamplerOptions(0.7f, 0, 1f, 0f, 1.3f, 3, 4L, 0.5f, 0.2f, 1f), logits, history);
    }

    @Test
    void negativePenaltiesFavourRepetition() {
        float[] logits = {2f, 1f, 0f};
        SamplerOptions greedy = new SamplerOptions(0f, 0, 1f, 0f, 1f, 64, null, -0.6f, -0.5f, 1f);
        // token 2 occurs twice: 0 + 0.6 + 2 * 0.5 = 1.6 < 2, token 1 once: 1 + 0.6 + 0.5 = 2.1 > 2
        assertThat(new Sampler(greedy).sample(logits, new int[] {2, 2, 1}, 3)).isEqualTo(1);
        assertThat(new Sampler(greedy).sample(logits, new int[] {2, 2}, 2)).isEqualTo(0);
    }

    @Test
    void greedyDecodingSeesTheFrequencyPenalty() {
        float[] logits = {3f, 2.5f, 1f};
        SamplerOptions o = new SamplerOptions(0f, 0, 1f, 0f, 1f, 64, null, 0f, 0.3f, 1f);
        assertThat(new Sampler(o).sample(logits, new int[] {0}, 1)).as("3 - 0.3 > 2.5").isEqualTo(0);
        assertThat(new Sampler(o).sample(logits, new int[] {0, 0}, 2)).as("3 - 0.6 < 2.5").isEqualTo(1);
    }

    @Test
    void typicalSamplingKeepsTheTokensClosestToTheEntropy() {
        Random random = new Random(11);
        for (int round = 0; round < 3; round++) {
            float[] logits = new float[12];
            for (int i = 0; i < logits.length; i++) logits[i] = (float) random.nextGaussian() * 2;
            assertMatchesReference(new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, 5L + round, 0f, 0f, 0.5f), logits, new int[0]);
            assertMatchesReference(new SamplerOptions(0.8f, 8, 0.9f, 0f, 1f, 64, 9L + round, 0f, 0f, 0.7f), logits, new int[0]);
        }
    }

    @Test
    void typicalSamplingCanDropTheMostLikelyToken() {
        // entropy 0.967; surprises 0.51, 1.20, 3.00: the 0.3 token is the most typical and alone holds 0.2 of the mass
        float[] logits = {(float) Math.log(0.6), (float) Math.log(0.3), (float) Math.log(0.05), (float) Math.log(0.05)};
        double[] expected = reference(logits, new int[0], new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, 1L, 0f, 0f, 0.2f));
        assertThat(expected[1]).isEqualTo(1.0, within(1e-9));
        assertMatchesReference(new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, 1L, 0f, 0f, 0.2f), logits, new int[0]);
    }

    @Test
    void outOfRangeKnobsAreRefused() {
        assertThatThrownBy(() -> SamplerOptions.DEFAULT.withPenalties(Float.NaN, 0, 1)).hasMessageContaining("presence_penalty");
        assertThatThrownBy(() -> SamplerOptions.DEFAULT.withPenalties(0, 101, 1)).hasMessageContaining("frequency_penalty");
        assertThatThrownBy(() -> SamplerOptions.DEFAULT.withPenalties(0, 0, 0)).hasMessageContaining("typical_p");
    }
}
