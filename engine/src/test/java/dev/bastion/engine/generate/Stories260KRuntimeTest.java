package dev.bastion.engine.generate;

import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The serving path (tokenizer, BOS, stop tokens, streaming text, embeddings) on a real trained model. */
class Stories260KRuntimeTest {

    private static LocalModelRuntime runtime;
    private final Stories260K.Reference reference = Stories260K.reference();

    @BeforeAll
    static void load() throws IOException {
        runtime = LocalModelRuntime.load(Stories260K.directory());
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    @Test
    void anEmptyPromptStartsFromBosAndStreamsTheReferenceText() {
        StringBuilder streamed = new StringBuilder();
        GenerationResult result = runtime.generate("", greedy(reference.greedyIds().length), streamed::append, new CancellationToken());
        assertThat(result.promptTokens()).isEqualTo(1);
        assertThat(result.text()).isEqualTo(reference.greedyText()).isEqualTo(streamed.toString());
        assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
    }

    /**
     * Its configs name EOS (2) as the only stop token. The model ends its story with BOS (llama2.c stops there), at the
     * 346th greedy token; like transformers' generate with this generation_config, the runtime goes on into the next story.
     */
    @Test
    void stopsOnlyOnTheEosItsGenerationConfigNames() {
        assertThat(runtime.eosTokenIds()).containsExactly(2);
        GenerationResult result = runtime.generate("", greedy(360), TokenSink.IGNORE, new CancellationToken());
        assertThat(result.generatedTokens()).isEqualTo(360);
        assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
        assertThat(result.text()).startsWith(reference.greedyText()).containsOnlyOnce("You are a good friend.")
                .endsWith(" Once upon a time, there was a little girl named Lily");
    }

    @Test
    void embeddingsOfSimilarSentencesAreCloserThanOfUnrelatedText() {
        float[] park = runtime.embed("Lily went to the park.");
        float[] play = runtime.embed("Lily went to the park to play.");
        float[] digits = runtime.embed("123 456 789 000");
        assertThat(park).hasSize(64);
        assertThat(dot(park, park)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
        assertThat(dot(park, play)).isGreaterThan(0.95).isGreaterThan(dot(park, digits) + 0.2);
    }

    private static GenerationOptions greedy(int tokens) {
        return new GenerationOptions(SamplerOptions.GREEDY, tokens, 0, List.of());
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }
}
