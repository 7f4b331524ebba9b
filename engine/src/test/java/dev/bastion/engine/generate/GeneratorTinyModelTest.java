package dev.bastion.engine.generate;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;
import dev.bastion.engine.tokenizer.TinyTokenizers;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The generation loop on a real (tiny, random) Llama model. */
class GeneratorTinyModelTest {

    @TempDir
    static Path dir;
    private static LlamaModel model;
    private static Tokenizer tokenizer;
    private static int[] prompt;

    @BeforeAll
    static void generateModel() throws Exception {
        TinyModelGenerator.generate(dir, Architecture.LLAMA, TinyModelSpec.tiny(Architecture.LLAMA), 42,
                new TinyModelGenerator.TokenizerFiles(TinyTokenizers.byteLevelJson(), TinyTokenizers.byteLevelConfigJson()));
        model = LlamaModel.load(dir);
        tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
        prompt = tokenizer.encode("The quick brown fox");
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    /** No EOS, so every run produces exactly maxTokens tokens whatever the random weights favour. */
    private static Generator generator(LanguageModel languageModel) {
        return new Generator(languageModel, tokenizer, Set.of());
    }

    private static GenerationResult run(SamplerOptions sampling, int maxTokens, List<String> stop, TokenSink sink) {
        return generator(model).generate(prompt, new GenerationOptions(sampling, maxTokens, 256, stop), sink, new CancellationToken());
    }

    private static SamplerOptions seeded(long seed) {
        return new SamplerOptions(1f, 0, 1f, 0f, 1f, 64, seed);
    }

    @Test
    void greedyIsReproducibleAndMaxTokensExact() {
        List<String> pieces = new ArrayList<>();
        GenerationResult first = run(SamplerOptions.GREEDY, 24, List.of(), pieces::add);
        GenerationResult second = run(SamplerOptions.GREEDY, 24, List.of(), TokenSink.IGNORE);
        assertThat(first.generatedTokens()).isEqualTo(24);
        assertThat(first.doneReason()).isEqualTo(DoneReason.LENGTH);
        assertThat(first.promptTokens()).isEqualTo(prompt.length);
        assertThat(first.text()).isNotEmpty().isEqualTo(second.text());
        assertThat(String.join("", pieces)).isEqualTo(first.text());
    }

    @Test
    void seededSamplingIsReproducibleAndTheSeedMatters() {
        GenerationResult a = run(seeded(7), 24, List.of(), TokenSink.IGNORE);
        GenerationResult b = run(seeded(7), 24, List.of(), TokenSink.IGNORE);
        GenerationResult other = run(seeded(8), 24, List.of(), TokenSink.IGNORE);
        assertThat(a.text()).isEqualTo(b.text());
        assertThat(other.text()).isNotEqualTo(a.text());
    }

    @Test
    void aStopStringFromAFirstRunEndsTheSecondRunJustBeforeIt() {
        String full = run(SamplerOptions.GREEDY, 24, List.of(), TokenSink.IGNORE).text();
        assertThat(full.length()).isGreaterThan(8);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        String expected = full.substring(0, full.indexOf(stop));

        List<String> pieces = new ArrayList<>();
        GenerationResult stopped = run(SamplerOptions.GREEDY, 24, List.of(stop), pieces::add);
        assertThat(stopped.text()).isEqualTo(expected);
        assertThat(stopped.doneReason()).isEqualTo(DoneReason.STOP);
        assertThat(String.join("", pieces)).isEqualTo(expected);
    }

    @Test
    void cancellingFromAnotherThreadStopsWithinOneToken() throws Exception {
        CancellationToken cancel = new CancellationToken();
        AtomicInteger forwards = new AtomicInteger();
        int cancelAt = 3;
        LanguageModel counting = new DelegatingModel(model) {
            /** Only decode steps come here: prefill goes straight to the model. */
            @Override
            public float[] forward(InferenceState state, int token, int pos) {
                if (forwards.incrementAndGet() == cancelAt) {
                    Thread canceller = Thread.ofPlatform().start(cancel::cancel);
                    try {
                        canceller.join();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
                return super.forward(state, token, pos);
            }
        };
        GenerationResult result = generator(counting).generate(prompt, new GenerationOptions(SamplerOptions.GREEDY, -1, 512, List.of()),
                TokenSink.IGNORE, cancel);
        assertThat(result.doneReason()).isEqualTo(DoneReason.CANCELLED);
        // The token sampled from the step during which cancel arrived is the one extra token allowed.
        assertThat(forwards.get()).isEqualTo(cancelAt);
        assertThat(result.generatedTokens()).isEqualTo(cancelAt + 1);
    }
}
