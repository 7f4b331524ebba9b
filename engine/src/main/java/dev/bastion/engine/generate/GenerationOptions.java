package dev.bastion.engine.generate;

import dev.bastion.engine.sampling.SamplerOptions;

import java.util.List;

/**
 * @param maxTokens tokens to generate at most; negative means until the context is full
 * @param contextLength KV cache size (Ollama's num_ctx); 0 means the model's default
 * @param stop generation ends before any of these strings; they are not emitted
 */
public record GenerationOptions(SamplerOptions sampling, int maxTokens, int contextLength, List<String> stop) {
    public GenerationOptions {
        stop = List.copyOf(stop);
        if (contextLength < 0) throw new IllegalArgumentException("num_ctx must be >= 0");
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
    }

    public static GenerationOptions defaults() {
        return new GenerationOptions(SamplerOptions.DEFAULT, -1, 0, List.of());
    }
}
