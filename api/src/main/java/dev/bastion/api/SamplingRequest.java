package dev.bastion.api;

import dev.bastion.api.types.Options;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.store.ModelParameter;

import java.util.List;
import java.util.Map;

/** Maps Ollama {@code options} onto the engine's {@link GenerationOptions}, checking each value's range. */
public final class SamplingRequest {

    static final int MAX_CONTEXT = 1 << 20;

    private SamplingRequest() {}

    /**
     * Ollama's options over the model's Modelfile parameters over Ollama's defaults.
     *
     * @param options null when none were given
     * @param prefix how the options are named in errors ({@code options.})
     */
    public static GenerationOptions fromOllama(Options options, String prefix, Map<String, Object> modelParameters) {
        Options o = options == null ? Options.NONE : options;
        GenerationOptions model = modelOptions(modelParameters);
        SamplerOptions d = model.sampling();
        Integer topK = inRange(prefix + "top_k", o.topK(), 0, Integer.MAX_VALUE);
        Integer repeatLastN = inRange(prefix + "repeat_last_n", o.repeatLastN(), -1, Integer.MAX_VALUE);
        Integer numPredict = inRange(prefix + "num_predict", o.numPredict(), -2, Integer.MAX_VALUE);
        Integer numCtx = inRange(prefix + "num_ctx", o.numCtx(), 0, MAX_CONTEXT);
        int contextLength = numCtx == null ? model.contextLength() : numCtx;
        SamplerOptions sampler = sampler(
                o.temperature() == null ? d.temperature() : o.temperature().floatValue(),
                topK == null ? d.topK() : topK,
                o.topP() == null ? d.topP() : o.topP().floatValue(),
                o.minP() == null ? d.minP() : o.minP().floatValue(),
                o.repeatPenalty() == null ? d.repeatPenalty() : o.repeatPenalty().floatValue(),
                repeatLastN == null ? d.repeatLastN() : (repeatLastN < 0 ? wholeContext(contextLength) : repeatLastN),
                o.seed() == null ? d.seed() : o.seed() < 0 ? null : o.seed());
        SamplerOptions penalized = penalties(sampler, o, d);
        Integer numKeep = inRange(prefix + "num_keep", o.numKeep(), -1, MAX_CONTEXT);
        return options(penalized, numPredict == null ? model.maxTokens() : Math.max(numPredict, -1), contextLength,
                o.stop() == null ? model.stop() : o.stop())
                .withTruncation(numKeep == null ? model.numKeep() : numKeep, true);
    }

    /** The request's presence, frequency and typical_p over the model's ({@code model}). */
    private static SamplerOptions penalties(SamplerOptions sampler, Options o, SamplerOptions model) {
        try {
            return sampler.withPenalties(
                    o.presencePenalty() == null ? model.presencePenalty() : o.presencePenalty().floatValue(),
                    o.frequencyPenalty() == null ? model.frequencyPenalty() : o.frequencyPenalty().floatValue(),
                    o.typicalP() == null ? model.typicalP() : o.typicalP().floatValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), e.getMessage().split(" ")[0]);
        }
    }

    /** {@code value} unless outside [min, max]: a 400 naming {@code field} and the value. */
    public static Integer inRange(String field, Integer value, long min, long max) {
        if (value != null && (value < min || value > max)) {
            throw ApiException.badRequest("'" + field + "' = " + value + " must be in [" + min + ", " + max + "]", field);
        }
        return value;
    }

    /** Ollama's repeat_last_n -1: the penalty looks back over the whole context. */
    private static int wholeContext(int numCtx) {
        return numCtx == 0 ? MAX_CONTEXT : numCtx;
    }

    private static GenerationOptions modelOptions(Map<String, Object> modelParameters) {
        if (modelParameters == null) return GenerationOptions.defaults();
        try {
            return ModelParameter.generationOptions(modelParameters);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("the model's parameters are invalid: " + e.getMessage(), "model");
        }
    }

    private static SamplerOptions sampler(float temperature, int topK, float topP, float minP, float repeatPenalty,
                                          int repeatLastN, Long seed) {
        try {
            return new SamplerOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), e.getMessage().split(" ")[0]);
        }
    }

    private static GenerationOptions options(SamplerOptions sampler, int maxTokens, int numCtx, List<String> stop) {
        try {
            return new GenerationOptions(sampler, maxTokens, numCtx, stop == null ? List.of() : stop);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), e.getMessage().split(" ")[0]);
        }
    }
}
