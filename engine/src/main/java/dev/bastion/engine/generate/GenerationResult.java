package dev.bastion.engine.generate;

/** The outcome of one generation, with Ollama-style counters. Durations are in nanoseconds. */
public record GenerationResult(String text, DoneReason doneReason, int promptTokens, int generatedTokens,
                               long promptEvalNanos, long evalNanos) {

    public double prefillTokensPerSecond() {
        return promptEvalNanos == 0 ? 0 : promptTokens * 1e9 / promptEvalNanos;
    }

    public double decodeTokensPerSecond() {
        return evalNanos == 0 ? 0 : generatedTokens * 1e9 / evalNanos;
    }
}
