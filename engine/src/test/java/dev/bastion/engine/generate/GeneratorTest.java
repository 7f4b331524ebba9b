package dev.bastion.engine.generate;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.tokenizer.TinyTokenizers;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generation loop against {@link SuccessorModel}, whose greedy output is known in advance. */
class GeneratorTest {

    private static final Tokenizer TOKENIZER = Tokenizer.fromJson(TinyTokenizers.byteLevelJson());
    /** Byte tokens of 'a'.. in the byte-level alphabet, so every id decodes to one printable character. */
    private static final int START = TOKENIZER.encode("a")[0];

    private static GenerationOptions greedy(int maxTokens, int contextLength, List<String> stop) {
        return new GenerationOptions(SamplerOptions.GREEDY, maxTokens, contextLength, stop);
    }

    private static int[] successors(int first, int count) {
        return IntStream.range(0, count).map(i -> first + i).toArray();
    }

    @Test
    void maxTokensIsHonouredExactlyAndTheLastTokenIsNotFedBack() {
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 64);
        List<String> pieces = new ArrayList<>();
        GenerationResult result = new Generator(model, TOKENIZER, Set.of())
                .generate(new int[]{START}, greedy(5, 0, List.of()), pieces::add, new CancellationToken());

        assertThat(result.generatedTokens()).isEqualTo(5);
        assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
        assertThat(result.promptTokens()).isEqualTo(1);
        assertThat(result.text()).isEqualTo(TOKENIZER.decode(successors(START + 1, 5)));
        assertThat(String.join("", pieces)).isEqualTo(result.text());
        assertThat(pieces).hasSizeGreaterThan(1);
        assertThat(model.forwardCalls.get()).as("1 prefill + 4 fed tokens").isEqualTo(5);
        assertThat(result.promptEvalNanos()).isPositive();
        assertThat(result.evalNanos()).isPositive();
    }

    @Test
    void eosStopsWithoutBeingEmitted() {
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 64);
        GenerationResult result = new Generator(model, TOKENIZER, Set.of(START + 4))
                .generate(new int[]{START}, greedy(-1, 0, List.of()), TokenSink.IGNORE, new CancellationToken());
        assertThat(result.doneReason()).isEqualTo(DoneReason.STOP);
        assertThat(result.generatedTokens()).isEqualTo(3);
        assertThat(result.text()).isEqualTo(TOKENIZER.decode(successors(START + 1, 3)));
    }

    @Test
    void stopStringEndsTheTextJustBeforeIt() {
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 64);
        Generator generator = new Generator(model, TOKENIZER, Set.of());
        String full = generator.generate(new int[]{START}, greedy(12, 0, List.of()), TokenSink.IGNORE, new CancellationToken()).text();
        String stop = full.substring(5, 8);

        List<String> pieces = new ArrayList<>();
        GenerationResult stopped = generator.generate(new int[]{START}, greedy(12, 0, List.of("zzz-never", stop)),
                pieces::add, new CancellationToken());
        assertThat(stopped.text()).isEqualTo(full.substring(0, 5));
        assertThat(stopped.doneReason()).isEqualTo(DoneReason.STOP);
        assertThat(stopped.generatedTokens()).isEqualTo(8);
        assertThat(String.join("", pieces)).isEqualTo(stopped.text());
    }

    @Test
    void generationEndsWhenTheContextIsFull() {
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 64);
        GenerationResult result = new Generator(model, TOKENIZER, Set.of())
                .generate(new int[]{START, START + 1}, greedy(-1, 6, List.of()), TokenSink.IGNORE, new CancellationToken());
        assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
        assertThat(result.generatedTokens()).isEqualTo(4);

        GenerationResult full = new Generator(new SuccessorModel(TOKENIZER.vocabSize(), 64), TOKENIZER, Set.of())
                .generate(successors(START, 6), greedy(-1, 6, List.of()).withTruncation(4, false), TokenSink.IGNORE, new CancellationToken());
        assertThat(full.doneReason()).isEqualTo(DoneReason.LENGTH);
        assertThat(full.generatedTokens()).isZero();
    }

    @Test
    void theDefaultContextIsTheModelsCappedAt4096() {
        Generator small = new Generator(new SuccessorModel(TOKENIZER.vocabSize(), 32), TOKENIZER, Set.of());
        Generator large = new Generator(new SuccessorModel(TOKENIZER.vocabSize(), 131072), TOKENIZER, Set.of());
        assertThat(small.contextLength(greedy(-1, 0, List.of()))).isEqualTo(32);
        assertThat(large.contextLength(greedy(-1, 0, List.of()))).isEqualTo(4096);
        assertThat(large.contextLength(greedy(-1, 100, List.of()))).isEqualTo(100);

        GenerationResult result = small.generate(new int[]{START}, greedy(-1, 0, List.of()), TokenSink.IGNORE, new CancellationToken());
        assertThat(result.generatedTokens()).isEqualTo(31);
    }

    /** Like Ollama, num_ctx beyond the model's positions is capped: a client must not size the server's buffers. */
    @Test
    void aContextLargerThanTheModelsPositionsIsCappedToThem() {
        Generator generator = new Generator(new SuccessorModel(TOKENIZER.vocabSize(), 64), TOKENIZER, Set.of());
        assertThat(generator.contextLength(greedy(-1, Integer.MAX_VALUE, List.of()))).isEqualTo(64);
        assertThat(generator.contextLength(greedy(-1, 10_000_000, List.of()))).isEqualTo(64);
        assertThat(generator.contextLength(greedy(-1, 64, List.of()))).isEqualTo(64);

        GenerationResult result = generator.generate(new int[]{START}, greedy(-1, Integer.MAX_VALUE, List.of()),
                TokenSink.IGNORE, new CancellationToken());
        assertThat(result.doneReason()).isEqualTo(DoneReason.LENGTH);
        assertThat(result.generatedTokens()).isEqualTo(63);

        assertThatThrownBy(() -> generator.generate(successors(START, 65), greedy(-1, 1_000_000, List.of()).withTruncation(4, false), TokenSink.IGNORE,
                new CancellationToken()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65 tokens").hasMessageContaining("64 positions");
    }

    @Test
    void embeddingRowsBeyondTheTokenizerAreNeverSampled() {
        SuccessorModel padded = new SuccessorModel(TOKENIZER.vocabSize() + 16, 64);
        int last = TOKENIZER.vocabSize() - 1;
        GenerationResult result = new Generator(padded, TOKENIZER, Set.of())
                .generate(new int[]{last}, greedy(1, 0, List.of()), TokenSink.IGNORE, new CancellationToken());
        // The successor of the last real token is a padding row; with it masked, all other logits tie at 0 → id 0.
        assertThat(result.text()).isEqualTo(TOKENIZER.decode(new int[]{0}));
    }

    @Test
    void badPromptsAreRejectedClearly() {
        Generator generator = new Generator(new SuccessorModel(TOKENIZER.vocabSize(), 64), TOKENIZER, Set.of());
        CancellationToken cancel = new CancellationToken();
        assertThatThrownBy(() -> generator.generate(successors(START, 9), greedy(-1, 8, List.of()).withTruncation(4, false), TokenSink.IGNORE, cancel))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9 tokens").hasMessageContaining("only 8").hasMessageContaining("num_ctx");
        assertThatThrownBy(() -> generator.generate(new int[0], greedy(-1, 8, List.of()), TokenSink.IGNORE, cancel))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> generator.generate(new int[]{TOKENIZER.vocabSize()}, greedy(-1, 8, List.of()), TokenSink.IGNORE, cancel))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id " + TOKENIZER.vocabSize());
    }

    /** IllegalArgumentException means a bad request (the API answers 400); broken weights are the server's fault. */
    @Test
    void aModelGivingOnlyNaNLogitsIsAServerErrorNotABadPrompt() {
        SuccessorModel inner = new SuccessorModel(TOKENIZER.vocabSize(), 64);
        LanguageModel broken = new LanguageModel() {
            @Override
            public ModelConfig config() {
                return inner.config();
            }

            @Override
            public InferenceState newState(int contextLength) {
                return inner.newState(contextLength);
            }

            @Override
            public float[] forward(InferenceState state, int token, int pos) {
                float[] logits = inner.forward(state, token, pos);
                Arrays.fill(logits, Float.NaN);
                return logits;
            }
        };
        for (SamplerOptions sampling : new SamplerOptions[] {SamplerOptions.GREEDY, SamplerOptions.DEFAULT}) {
            assertThatThrownBy(() -> new Generator(broken, TOKENIZER, Set.of()).generate(new int[]{START, START},
                    new GenerationOptions(sampling, 4, 0, List.of()), TokenSink.IGNORE, new CancellationToken()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("position 2").hasMessageContaining("no finite logit");
        }
    }

    @Test
    void cancellationFromAnotherThreadStopsWithinOneToken() {
        CancellationToken cancel = new CancellationToken();
        int cancelAtCall = 4;
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 1024, call -> {
            if (call == cancelAtCall) {
                Thread canceller = Thread.ofPlatform().start(cancel::cancel);
                try {
                    canceller.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        GenerationResult result = new Generator(model, TOKENIZER, Set.of())
                .generate(new int[]{START}, greedy(-1, 0, List.of()), TokenSink.IGNORE, cancel);
        assertThat(result.doneReason()).isEqualTo(DoneReason.CANCELLED);
        assertThat(model.forwardCalls.get()).isLessThanOrEqualTo(cancelAtCall + 1);
        assertThat(result.generatedTokens()).isLessThanOrEqualTo(cancelAtCall + 1);
    }

    /** A long prompt takes long to prefill: a client that disconnects meanwhile must not keep the cores busy to the end. */
    @Test
    void cancellationDuringALongPrefillStopsIt() {
        CancellationToken cancel = new CancellationToken();
        int promptLength = 3000;
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 4096, call -> {
            if (call == 10) cancel.cancel();
        });
        int[] prompt = IntStream.range(0, promptLength).map(i -> START).toArray();
        GenerationResult result = new Generator(model, TOKENIZER, Set.of())
                .generate(prompt, greedy(-1, 0, List.of()), TokenSink.IGNORE, cancel);
        assertThat(result.doneReason()).isEqualTo(DoneReason.CANCELLED);
        assertThat(result.generatedTokens()).isZero();
        assertThat(result.text()).isEmpty();
        assertThat(model.forwardCalls.get()).isLessThanOrEqualTo(Generator.PREFILL_CHUNK);
    }

    @Test
    void aPromptLongerThanOnePrefillChunkContinuesFromItsLastToken() {
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 4096);
        int promptLength = 2 * Generator.PREFILL_CHUNK + 17;
        int[] prompt = IntStream.range(0, promptLength).map(i -> START + i % 3).toArray();
        GenerationResult result = new Generator(model, TOKENIZER, Set.of())
                .generate(prompt, greedy(3, 0, List.of()), TokenSink.IGNORE, new CancellationToken());
        assertThat(result.text()).isEqualTo(TOKENIZER.decode(successors(prompt[promptLength - 1] + 1, 3)));
        assertThat(model.forwardCalls.get()).as("every prompt position once, in order, then 2 fed tokens").isEqualTo(promptLength + 2);
    }

    @Test
    void anAlreadyCancelledGenerationDoesNotEvenPrefill() {
        CancellationToken cancel = new CancellationToken();
        cancel.cancel();
        SuccessorModel model = new SuccessorModel(TOKENIZER.vocabSize(), 64);
        GenerationResult result = new Generator(model, TOKENIZER, Set.of())
                .generate(new int[]{START}, greedy(-1, 0, List.of()), TokenSink.IGNORE, cancel);
        assertThat(model.forwardCalls.get()).isZero();
        assertThat(result.doneReason()).isEqualTo(DoneReason.CANCELLED);
        assertThat(result.generatedTokens()).isZero();
        assertThat(result.text()).isEmpty();
    }
}
