package dev.bastion.engine.template;

import java.time.Duration;
import java.util.Objects;

/**
 * What one render of a prompt template may spend. Templates come with downloaded models and requests, so a hostile
 * one must not hold a model's generation slot: rendering stops when it runs out of time or steps, or produces more
 * text than the model's context could take.
 *
 * @param time                wall-clock time of one render
 * @param maxSteps            template steps of one render: Jinja nodes rendered (every loop iteration renders at
 *                            least one) or Go template parts executed
 * @param outputCharsPerToken characters of output allowed per token of the model's context (at least
 *                            {@link #MIN_OUTPUT_CHARS} in all)
 */
public record RenderLimits(Duration time, long maxSteps, int outputCharsPerToken) {

    public static final RenderLimits DEFAULT = new RenderLimits(Duration.ofSeconds(2), 1_000_000, 32);
    /** The output cap of models with a small context: far more than their context holds, far less than a heap. */
    public static final long MIN_OUTPUT_CHARS = 1L << 20;
    /** Longer template sources are refused when loaded (stock chat templates are a few KiB). */
    public static final int MAX_SOURCE_CHARS = 256 << 10;
    /** Deeper nesting of blocks or brackets is refused when loaded (stock chat templates nest less than 10 deep). */
    public static final int MAX_NESTING = 100;

    public RenderLimits {
        Objects.requireNonNull(time, "time");
        if (time.isNegative() || time.isZero()) throw new IllegalArgumentException("template render time must be positive, got " + time);
        if (maxSteps < 1) throw new IllegalArgumentException("template render steps must be positive, got " + maxSteps);
        if (outputCharsPerToken < 1) throw new IllegalArgumentException("template output characters per token must be positive, got " + outputCharsPerToken);
    }

    /** The output cap for a model of {@code contextTokens} positions. */
    public long maxOutputChars(int contextTokens) {
        return Math.max(MIN_OUTPUT_CHARS, (long) contextTokens * outputCharsPerToken);
    }
}
