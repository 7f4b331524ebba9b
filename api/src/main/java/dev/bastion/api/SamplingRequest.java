package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.sampling.SamplerOptions;

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
        JsonFields merged = overlay(modelParameters, options);
        SamplerOptions d = SamplerOptions.DEFAULT;
        Double temperature = merged.number("temperature");
        Double topP = merged.number("top_p");
        Double minP = merged.number("min_p");
        Double repeatPenalty = merged.number("repeat_penalty");
        Integer topK = merged.intInRange("top_k", 0, Integer.MAX_VALUE);
        Integer repeatLastN = merged.intInRange("repeat_last_n", -1, Integer.MAX_VALUE);
        Long seed = merged.integer("seed");
        Integer numPredict = merged.intInRange("num_predict", -2, Integer.MAX_VALUE);
        Integer numCtx = merged.intInRange("num_ctx", 0, MAX_CONTEXT);
        List<String> stop = merged.stringOrStrings("stop");
        SamplerOptions sampler = sampler(
                temperature == null ? d.temperature() : temperature.floatValue(),
                topK == null ? d.topK() : topK,
                topP == null ? d.topP() : topP.floatValue(),
                minP == null ? d.minP() : minP.floatValue(),
                repeatPenalty == null ? d.repeatPenalty() : repeatPenalty.floatValue(),
                repeatLastN == null ? d.repeatLastN() : (repeatLastN < 0 ? wholeContext(numCtx) : repeatLastN),
                seed == null || seed < 0 ? null : seed);
        return options(sampler, numPredict == null ? -1 : Math.max(numPredict, -1), numCtx == null ? 0 : numCtx, stop);
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
    private static int wholeContext(Integer numCtx) {
        return numCtx == null || numCtx == 0 ? MAX_CONTEXT : numCtx;
    }

    private static JsonFields overlay(Map<String, Object> modelParameters, JsonFields options) {
        ObjectNode merged = JsonFields.MAPPER.createObjectNode();
        if (modelParameters != null) modelParameters.forEach((k, v) -> merged.set(k, JsonFields.MAPPER.valueToTree(v)));
        for (String field : List.of("temperature", "top_k", "top_p", "min_p", "repeat_penalty", "repeat_last_n", "seed",
                "num_predict", "num_ctx", "stop")) {
            JsonNode v = options.raw(field);
            if (v != null) merged.set(field, v);
        }
        return JsonFields.of(merged, "options");
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
