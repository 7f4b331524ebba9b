package dev.bastion.engine.model;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Real trained weights (stories260K) reproduce llama2.c's greedy output token for token. */
class Stories260KTest {

    private final Stories260K.Reference reference = Stories260K.reference();

    @Test
    void greedyDecodingFromBosReproducesTheReferenceExactly() throws IOException {
        try (Checkpoint checkpoint = ModelFormat.open(Stories260K.directory()); LanguageModel model = checkpoint.load(WeightFormat.AS_STORED)) {
            assertThat(reference.promptIds()).containsExactly(1);
            assertThat(greedy(model, reference.promptIds(), reference.greedyIds().length)).containsExactly(reference.greedyIds());
        }
    }

    /** Batched prefill (the prompt path) must continue exactly where token-by-token decoding would. */
    @Test
    void batchedPrefillOfTheReferenceContinuesIt() throws IOException {
        int[] ids = reference.greedyIds();
        int[] prompt = new int[ids.length];
        prompt[0] = 1;
        System.arraycopy(ids, 0, prompt, 1, ids.length - 1);
        try (LlamaModel model = LlamaModel.load(Stories260K.directory())) {
            float[] logits = model.prefill(model.newState(prompt.length), prompt, 0);
            assertThat(argmax(logits)).isEqualTo(ids[ids.length - 1]);
        }
    }

    /** Q8_0 changes the logits slightly; on this model greedy decoding still tells the same story for a while. */
    @Test
    void q8WeightsStartTheSameStory() throws IOException {
        try (LlamaModel q8 = LlamaModel.load(Stories260K.directory(), WeightFormat.Q8_0)) {
            assertThat(greedy(q8, reference.promptIds(), 20)).containsExactly(Arrays.copyOf(reference.greedyIds(), 20));
        }
    }

    private static int[] greedy(LanguageModel model, int[] prompt, int steps) {
        InferenceState state = model.newState(prompt.length + steps);
        float[] logits = model.prefill(state, prompt, 0);
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = argmax(logits);
            if (i + 1 < steps) logits = model.forward(state, out[i], prompt.length + i);
        }
        return out;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
