package dev.bastion.engine.sampling;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class SamplerPropertiesTest {

    private static float[] toArray(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) array[i] = values.get(i);
        return array;
    }

    @Property(tries = 200)
    void drawsAlwaysComeFromTheKHighestLogits(@ForAll @Size(min = 1, max = 300) List<@FloatRange(min = -30, max = 30) Float> values,
                                              @ForAll @IntRange(min = 1, max = 50) int topK,
                                              @ForAll long seed) {
        float[] logits = toArray(values);
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kthHighest = sorted[Math.max(0, sorted.length - topK)];
        Sampler sampler = new Sampler(new SamplerOptions(1.5f, topK, 1f, 0f, 1f, 64, seed));
        for (int draw = 0; draw < 20; draw++) {
            assertThat(logits[sampler.sample(logits)]).isGreaterThanOrEqualTo(kthHighest);
        }
    }

    @Property(tries = 200)
    void greedyReturnsAMaximalLogitAndLeavesTheLogitsUnchanged(
            @ForAll @Size(min = 1, max = 300) List<@FloatRange(min = -30, max = 30) Float> values,
            @ForAll @Size(max = 80) List<@IntRange(min = 0, max = 299) Integer> history) {
        float[] logits = toArray(values);
        float[] before = logits.clone();
        int[] tokens = history.stream().mapToInt(Integer::intValue).toArray();
        float max = (float) IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();

        assertThat(logits[new Sampler(SamplerOptions.GREEDY).sample(logits)]).isEqualTo(max);
        new Sampler(new SamplerOptions(0f, 0, 1f, 0f, 1.3f, 64, null)).sample(logits, tokens, tokens.length);
        assertThat(logits).isEqualTo(before);
    }
}
