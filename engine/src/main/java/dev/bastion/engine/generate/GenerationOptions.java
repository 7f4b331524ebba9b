package dev.bastion.engine.generate;

import dev.bastion.engine.grammar.Grammar;
import dev.bastion.engine.sampling.SamplerOptions;

import java.util.List;

/**
 * @param maxTokens tokens to generate at most; negative means until the context is full
 * @param contextLength KV cache size (Ollama's num_ctx); 0 means the model's default
 * @param stop generation ends before any of these strings; they are not emitted
 * @param cacheOwner whose KV caches this generation may reuse and leaves for reuse (an opaque key such as a user id);
 *                   null reuses nothing. Caches never pass between owners: two users with the same prompt share nothing.
 * @param grammar null, or the language the output must belong to (structured output): only tokens that keep the output
 *                a prefix of one of its sentences are sampled, and the generation ends once it is a whole sentence
 * @param numKeep a prompt too long for the context keeps its first numKeep tokens (after BOS) and loses the ones after
 *                them, as Ollama does; negative keeps the whole prompt
 * @param truncate false: a prompt too long for the context is an error instead
 * @param logprobs negative: none; otherwise each generated token's log probability goes to the sink, with this many
 *                 most likely alternatives (at most {@link #MAX_TOP_LOGPROBS})
 */
public record GenerationOptions(SamplerOptions sampling, int maxTokens, int contextLength, List<String> stop,
                                String cacheOwner, Grammar grammar, int numKeep, boolean truncate, int logprobs) {

    public static final int MAX_TOP_LOGPROBS = 20;
    /** Ollama's default num_keep. */
    public static final int DEFAULT_NUM_KEEP = 4;

    /** Stop matching costs the total stop length per token, so clients may not make it arbitrarily large. */
    public static final int MAX_STOP_STRINGS = 16;
    public static final int MAX_STOP_LENGTH = 256;

    public GenerationOptions(SamplerOptions sampling, int maxTokens, int contextLength, List<String> stop) {
        this(sampling, maxTokens, contextLength, stop, null, null);
    }

    public GenerationOptions(SamplerOptions sampling, int maxTokens, int contextLength, List<String> stop, String cacheOwner) {
        this(sampling, maxTokens, contextLength, stop, cacheOwner, null);
    }

    public GenerationOptions(SamplerOptions sampling, int maxTokens, int contextLength, List<String> stop, String cacheOwner,
                             Grammar grammar) {
        this(sampling, maxTokens, contextLength, stop, cacheOwner, grammar, DEFAULT_NUM_KEEP, true, -1);
    }

    public GenerationOptions {
        stop = List.copyOf(stop);
        if (logprobs > MAX_TOP_LOGPROBS) throw new IllegalArgumentException("top_logprobs must be at most " + MAX_TOP_LOGPROBS);
        if (contextLength < 0) throw new IllegalArgumentException("num_ctx must be >= 0");
        if (stop.size() > MAX_STOP_STRINGS) {
            throw new IllegalArgumentException("stop allows at most " + MAX_STOP_STRINGS + " strings, got " + stop.size());
        }
        for (String s : stop) {
            if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
            if (s.length() > MAX_STOP_LENGTH) {
                throw new IllegalArgumentException("stop strings must be at most " + MAX_STOP_LENGTH + " characters, got " + s.length());
            }
        }
    }

    /** These options on behalf of {@code owner} (see {@link #cacheOwner()}). */
    public GenerationOptions withCacheOwner(String owner) {
        return new GenerationOptions(sampling, maxTokens, contextLength, stop, owner, grammar, numKeep, truncate, logprobs);
    }

    /** These options with output constrained to {@code grammar} (null: unconstrained). */
    public GenerationOptions withGrammar(Grammar grammar) {
        return new GenerationOptions(sampling, maxTokens, contextLength, stop, cacheOwner, grammar, numKeep, truncate, logprobs);
    }

    /** These options keeping {@code numKeep} tokens of a truncated prompt, or refusing it ({@code truncate} false). */
    public GenerationOptions withTruncation(int numKeep, boolean truncate) {
        return new GenerationOptions(sampling, maxTokens, contextLength, stop, cacheOwner, grammar, numKeep, truncate, logprobs);
    }

    /** These options reporting log probabilities with {@code top} alternatives (negative: none). */
    public GenerationOptions withLogprobs(int top) {
        return new GenerationOptions(sampling, maxTokens, contextLength, stop, cacheOwner, grammar, numKeep, truncate, top);
    }

    /** These options sampling with {@code sampling}. */
    public GenerationOptions withSampling(SamplerOptions sampling) {
        return new GenerationOptions(sampling, maxTokens, contextLength, stop, cacheOwner, grammar, numKeep, truncate, logprobs);
    }

    public static GenerationOptions defaults() {
        return new GenerationOptions(SamplerOptions.DEFAULT, -1, 0, List.of());
    }
}
