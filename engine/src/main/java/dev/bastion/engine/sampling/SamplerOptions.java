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
 */
public record SamplerOptions(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, Long seed) {

    public static final SamplerOptions GREEDY = new SamplerOptions(0f, 0, 1f, 0f, 1f, 64, null);
    /** Ollama's defaults. */
    public static final SamplerOptions DEFAULT = new SamplerOptions(0.8f, 40, 0.9f, 0f, 1.1f, 64, null);

    public SamplerOptions {
        if (Float.isNaN(temperature) || temperature < 0 || temperature > 100) throw new IllegalArgumentException("temperature must be in [0, 100]");
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0");
        if (Float.isNaN(topP) || topP <= 0 || topP > 1) throw new IllegalArgumentException("top_p must be in (0, 1]");
        if (Float.isNaN(minP) || minP < 0 || minP > 1) throw new IllegalArgumentException("min_p must be in [0, 1]");
        if (Float.isNaN(repeatPenalty) || repeatPenalty <= 0 || repeatPenalty > 100) throw new IllegalArgumentException("repeat_penalty must be in (0, 100]");
        if (repeatLastN < 0) throw new IllegalArgumentException("repeat_last_n must be >= 0");
    }

    public boolean greedy() {
        return temperature == 0f;
    }
}
