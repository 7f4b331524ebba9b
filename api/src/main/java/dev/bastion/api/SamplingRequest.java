package dev.bastion.api;

import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.store.ModelParameter;

import java.util.List;
import java.util.Map;

/** Maps Ollama {@code options} and OpenAI body fields onto the engine's {@link GenerationOptions}, validating each. */
public final class SamplingRequest {

    static final int MAX_CONTEXT = 1 << 20;

    private SamplingRequest() {}

    /**
     * Ollama's options over the model's Modelfile parameters over Ollama's defaults. Unknown option names are ignored,
     * as Ollama does.
     */
    public static GenerationOptions fromOllama(JsonFields options, Map<String, Object> modelParameters) {
        GenerationOptions model = modelOptions(modelParameters);
        SamplerOptions d = model.sampling();
        Double temperature = options.number("temperature");
        Double topP = options.number("top_p");
        Double minP = options.number("min_p");
        Double repeatPenalty = options.number("repeat_penalty");
        Integer topK = options.intInRange("top_k", 0, Integer.MAX_VALUE);
        Integer repeatLastN = options.intInRange("repeat_last_n", -1, Integer.MAX_VALUE);
        Long seed = options.integer("seed");
        Integer numPredict = options.intInRange("num_predict", -2, Integer.MAX_VALUE);
        Integer numCtx = options.intInRange("num_ctx", 0, MAX_CONTEXT);
        List<String> stop = options.stringOrStrings("stop");
        int contextLength = numCtx == null ? model.contextLength() : numCtx;
        SamplerOptions sampler = sampler(
                temperature == null ? d.temperature() : temperature.floatValue(),
                topK == null ? d.topK() : topK,
                topP == null ? d.topP() : topP.floatValue(),
                minP == null ? d.minP() : minP.floatValue(),
                repeatPenalty == null ? d.repeatPenalty() : repeatPenalty.floatValue(),
                repeatLastN == null ? d.repeatLastN() : (repeatLastN < 0 ? wholeContext(contextLength) : repeatLastN),
                seed == null ? d.seed() : seed < 0 ? null : seed);
        return options(sampler, numPredict == null ? model.maxTokens() : Math.max(numPredict, -1), contextLength,
                stop == null ? model.stop() : stop);
    }

    /** OpenAI's top-level sampling fields over the model's parameters; {@code n} other than 1 is rejected. */
    public static GenerationOptions fromOpenAi(JsonFields body, Map<String, Object> modelParameters) {
        body.intInRange("n", 1, 1);
        GenerationOptions base = fromOllama(JsonFields.of(JsonFields.MAPPER.createObjectNode(), "options"), modelParameters);
        SamplerOptions b = base.sampling();
        Double temperature = body.number("temperature");
        Double topP = body.number("top_p");
        Long seed = body.integer("seed");
        Integer maxTokens = body.intInRange("max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = body.intInRange("max_tokens", 1, Integer.MAX_VALUE);
        List<String> stop = body.stringOrStrings("stop");
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw ApiException.badRequest("'temperature' = " + temperature + " must be in [0, 2]", "temperature");
        }
        SamplerOptions sampler = sampler(temperature == null ? b.temperature() : temperature.floatValue(), b.topK(),
                topP == null ? b.topP() : topP.floatValue(), b.minP(), b.repeatPenalty(), b.repeatLastN(),
                seed == null ? b.seed() : seed);
        return options(sampler, maxTokens == null ? base.maxTokens() : maxTokens, base.contextLength(),
                stop == null ? base.stop() : stop);
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
