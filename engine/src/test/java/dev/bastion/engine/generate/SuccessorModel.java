package dev.bastion.engine.generate;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fake model whose greedy continuation of token t is t+1 (wrapping at the vocabulary), so tests know exactly
 * what the generation loop must produce. Counts forward calls and checks positions arrive in order.
 */
final class SuccessorModel implements LanguageModel {

    final AtomicInteger forwardCalls = new AtomicInteger();
    private final ModelConfig config;
    private final IntConsumer onForward;

    SuccessorModel(int vocabSize, int maxPositions) {
        this(vocabSize, maxPositions, call -> {});
    }

    /** {@code onForward} receives the 1-based count of forward calls, before the call returns. */
    SuccessorModel(int vocabSize, int maxPositions, IntConsumer onForward) {
        this.config = new ModelConfig(Architecture.LLAMA, 8, 16, 1, 2, 2, 4, vocabSize, maxPositions, 1e-6f, 10000f,
                null, false, false, -1, List.of());
        this.onForward = onForward;
    }

    private static final class State implements InferenceState {
        final int contextLength;
        final float[] logits;
        int nextPos;

        State(int contextLength, int vocab) {
            this.contextLength = contextLength;
            this.logits = new float[vocab];
        }

        @Override
        public int contextLength() {
            return contextLength;
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public InferenceState newState(int contextLength) {
        return new State(contextLength, config.vocabSize());
    }

    @Override
    public float[] forward(InferenceState state, int token, int pos) {
        State s = (State) state;
        if (pos != s.nextPos) throw new AssertionError("expected position " + s.nextPos + " but got " + pos);
        if (pos >= s.contextLength) throw new AssertionError("position " + pos + " is outside the context " + s.contextLength);
        s.nextPos++;
        Arrays.fill(s.logits, 0f);
        s.logits[(token + 1) % config.vocabSize()] = 10f;
        onForward.accept(forwardCalls.incrementAndGet());
        return s.logits;
    }
}
