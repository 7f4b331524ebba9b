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
     * The model ends its story with BOS (at the 346th greedy token), as llama2.c's TinyStories models do; a sampled BOS
     * begins a new document, so the runtime stops there (as llama2.c does) instead of streaming "<s>" and a second story.
     */
    @Test
    void stopsWhereTheModelBeginsANewDocument() {
        assertThat(runtime.eosTokenIds()).containsExactlyInAnyOrder(1, 2);
        StringBuilder streamed = new StringBuilder();
        GenerationResult result = runtime.generate("", greedy(360), streamed::append, new CancellationToken());
        assertThat(result.doneReason()).isEqualTo(DoneReason.STOP);
        assertThat(result.generatedTokens()).isBetween(345, 346);
        assertThat(result.text()).isEqualTo(streamed.toString()).startsWith(reference.greedyText())
                .containsOnlyOnce("Once upon a time").doesNotContain("<s>").endsWith("You are a good friend.\"");
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
