package dev.bastion.engine.generate;

import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.ModelConfig;

/** Passes every call to a real model; tests override the calls they watch or disturb. */
class DelegatingModel implements LanguageModel {

    private final LanguageModel model;

    DelegatingModel(LanguageModel model) {
        this.model = model;
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public InferenceState newState(int contextLength) {
        return model.newState(contextLength);
    }

    @Override
    public float[] prefill(InferenceState state, int[] tokens, int startPos) {
        return model.prefill(state, tokens, startPos);
    }

    @Override
    public float[] forward(InferenceState state, int token, int pos) {
        return model.forward(state, token, pos);
    }
}
