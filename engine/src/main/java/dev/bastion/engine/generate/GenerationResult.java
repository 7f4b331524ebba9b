package dev.bastion.engine.generate;

/**
 * The outcome of one generation, with Ollama-style counters. Durations are in nanoseconds.
 *
 * @param promptTokens the whole prompt, including {@code cachedTokens}
 * @param cachedTokens leading prompt tokens whose KV cache was reused from the owner's previous generation, not prefilled
 * @param droppedTokens prompt tokens cut to fit the context (see {@link GenerationOptions#numKeep()})
 * @param context the tokens of the (truncated) prompt and the reply, which Ollama returns as {@code context}
 */
public record GenerationResult(String text, DoneReason doneReason, int promptTokens, int generatedTokens,
                               long promptEvalNanos, long evalNanos, int cachedTokens, int droppedTokens, int[] context) {

    public GenerationResult(String text, DoneReason doneReason, int promptTokens, int generatedTokens,
                            long promptEvalNanos, long evalNanos, int cachedTokens) {
        this(text, doneReason, promptTokens, generatedTokens, promptEvalNanos, evalNanos, cachedTokens, 0, new int[0]);
    }

    public GenerationResult(String text, DoneReason doneReason, int promptTokens, int generatedTokens,
                            long promptEvalNanos, long evalNanos) {
        this(text, doneReason, promptTokens, generatedTokens, promptEvalNanos, evalNanos, 0);
    }

    public double prefillTokensPerSecond() {
        return promptEvalNanos == 0 ? 0 : (promptTokens - cachedTokens) * 1e9 / promptEvalNanos;
    }

    public double decodeTokensPerSecond() {
        return evalNanos == 0 ? 0 : generatedTokens * 1e9 / evalNanos;
    }
}
