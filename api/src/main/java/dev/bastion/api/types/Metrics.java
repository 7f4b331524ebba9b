package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bastion.engine.generate.GenerationResult;

/** The timings and counts of a finished request, in nanoseconds and tokens, and its credits; null: not applicable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Metrics(@JsonProperty("total_duration") Long totalDuration,
                      @JsonProperty("load_duration") Long loadDuration,
                      @JsonProperty("prompt_eval_count") Integer promptEvalCount,
                      @JsonProperty("prompt_eval_duration") Long promptEvalDuration,
                      @JsonProperty("eval_count") Integer evalCount,
                      @JsonProperty("eval_duration") Long evalDuration,
                      @JsonProperty("credits_charged") Long creditsCharged) {

    public Metrics(Long totalDuration, Long loadDuration, Integer promptEvalCount, Long promptEvalDuration,
                   Integer evalCount, Long evalDuration) {
        this(totalDuration, loadDuration, promptEvalCount, promptEvalDuration, evalCount, evalDuration, null);
    }

    public static Metrics of(GenerationResult r, long loadNanos, long totalNanos) {
        return new Metrics(totalNanos, loadNanos, r.promptTokens(), r.promptEvalNanos(), r.generatedTokens(), r.evalNanos());
    }

    /** With what the request was charged (Bastion's own field; clients ignore it), or unchanged when null. */
    public Metrics withCreditsCharged(Long credits) {
        return credits == null ? this : new Metrics(totalDuration, loadDuration, promptEvalCount, promptEvalDuration,
                evalCount, evalDuration, credits);
    }

    /** A request that only loaded or unloaded the model. */
    public static Metrics loadOnly(long loadNanos, long totalNanos) {
        return new Metrics(totalNanos, loadNanos, null, null, null, null);
    }
}
