package dev.bastion.engine.generate;

import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.tokenizer.TinyTokenizers;
import dev.bastion.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LogprobsTest {

    private static final Tokenizer TOKENIZER = Tokenizer.fromJson(TinyTokenizers.byteLevelJson());
    private static final int START = TOKENIZER.encode("a")[0];

    /** A plain log-softmax. */
    private static double referenceLogprob(float[] logits, int token) {
        double sum = 0;
        for (float l : logits) sum += Math.exp(l);
        return logits[token] - Math.log(sum);
    }

    @Test
    void eachTokenGetsItsLogSoftmaxAndTheTopAlternatives() {
        int vocab = TOKENIZER.vocabSize();
        List<TokenLogprob> seen = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        TokenSink sink = new TokenSink() {
            @Override
            public void accept(String piece) {
                pieces.add(piece);
            }

            @Override
            public void logprob(TokenLogprob logprob) {
                seen.add(logprob);
            }
        };
        // temperature 1 with a repeat penalty: the reported numbers must ignore what the sampler does to the logits
        SamplerOptions sampling = new SamplerOptions(1f, 0, 1f, 0f, 1.5f, 64, 3L, 0.7f, 0.2f, 1f);
        GenerationResult r = new Generator(new SuccessorModel(vocab, 64), TOKENIZER, Set.of())
                .generate(new int[] {START}, new GenerationOptions(sampling, 4, 0, List.of()).withLogprobs(3), sink, new CancellationToken());
        assertThat(seen).hasSize(r.generatedTokens()).hasSize(4);
        int previous = START;
        for (int i = 0; i < seen.size(); i++) {
            TokenLogprob lp = seen.get(i);
            float[] logits = new float[vocab];
            logits[(previous + 1) % vocab] = 10f; // what the successor model gave at this step
            assertThat(lp.id()).isEqualTo(r.context()[1 + i]);
            assertThat(lp.token()).isEqualTo(TOKENIZER.decode(new int[] {lp.id()}));
            assertThat(lp.logprob()).isCloseTo(referenceLogprob(logits, lp.id()), within(1e-5));
            assertThat(lp.top()).hasSize(3);
            assertThat(lp.top().getFirst().id()).isEqualTo((previous + 1) % vocab);
            assertThat(lp.top().getFirst().logprob()).isCloseTo(referenceLogprob(logits, (previous + 1) % vocab), within(1e-5));
            // ties at logit 0 in vocabulary order
            int other = (previous + 1) % vocab == 0 ? 1 : 0;
            assertThat(lp.top().get(1).id()).isEqualTo(other);
            assertThat(lp.top().get(1).logprob()).isCloseTo(referenceLogprob(logits, other), within(1e-5));
            previous = lp.id();
        }
    }

    @Test
    void noLogprobsUnlessAskedAndAtMostTwentyAlternatives() {
        List<TokenLogprob> seen = new ArrayList<>();
        TokenSink sink = new TokenSink() {
            @Override
            public void accept(String piece) {}

            @Override
            public void logprob(TokenLogprob logprob) {
                seen.add(logprob);
            }
        };
        new Generator(new SuccessorModel(TOKENIZER.vocabSize(), 64), TOKENIZER, Set.of())
                .generate(new int[] {START}, new GenerationOptions(SamplerOptions.GREEDY, 3, 0, List.of()), sink, new CancellationToken());
        assertThat(seen).isEmpty();
        assertThatThrownBy(() -> new GenerationOptions(SamplerOptions.GREEDY, 3, 0, List.of()).withLogprobs(21))
                .hasMessageContaining("top_logprobs");
    }
}
