package dev.bastion.engine.sampling;

/**
 * How the next token is chosen. {@code temperature <= 0} means greedy (argmax).
 *
 * @param topK 0 disables
 * @param topP 1 disables
 * @param minP 0 disables
 * @param repeatPenalty 1 disables
 * @param repeatLastN how many recent tokens the penalty looks at
 * @param seed null picks a random seed
 * @param presencePenalty subtracted once from the logit of every token in the last {@code repeatLastN}; 0 disables
 * @param frequencyPenalty subtracted per occurrence in the last {@code repeatLastN}; 0 disables
 * @param typicalP locally typical sampling's mass; 1 disables
 */
public record SamplerOptions(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, Long seed,
                             float presencePenalty, float frequencyPenalty, float typicalP) {

    public static final SamplerOptions GREEDY = new SamplerOptions(0f, 0, 1f, 0f, 1f, 64, null);
    /** Ollama's defaults. */
    public static final SamplerOptions DEFAULT = new SamplerOptions(0.8f, 40, 0.9f, 0f, 1.1f, 64, null);

    /** Without presence, frequency or typical sampling. */
    public SamplerOptions(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, Long seed) {
        this(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, 0f, 0f, 1f);
    }

    public SamplerOptions {
        if (Float.isNaN(temperature) || temperature < 0 || temperature > 100) throw new IllegalArgumentException("temperature must be in [0, 100]");
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0");
        if (Float.isNaN(topP) || topP <= 0 || topP > 1) throw new IllegalArgumentException("top_p must be in (0, 1]");
        if (Float.isNaN(minP) || minP < 0 || minP > 1) throw new IllegalArgumentException("min_p must be in [0, 1]");
        if (Float.isNaN(repeatPenalty) || repeatPenalty <= 0 || repeatPenalty > 100) throw new IllegalArgumentException("repeat_penalty must be in (0, 100]");
        if (repeatLastN < 0) throw new IllegalArgumentException("repeat_last_n must be >= 0");
        if (!(Math.abs(presencePenalty) <= 100)) throw new IllegalArgumentException("presence_penalty must be in [-100, 100]");
        if (!(Math.abs(frequencyPenalty) <= 100)) throw new IllegalArgumentException("frequency_penalty must be in [-100, 100]");
        if (Float.isNaN(typicalP) || typicalP <= 0 || typicalP > 1) throw new IllegalArgumentException("typical_p must be in (0, 1]");
    }

    /** The same options with presence and frequency penalties and typical sampling. */
    public SamplerOptions withPenalties(float presencePenalty, float frequencyPenalty, float typicalP) {
        return new SamplerOptions(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, presencePenalty, frequencyPenalty, typicalP);
    }

    public boolean greedy() {
        return temperature == 0f;
    }
}
