package dev.bastion.api;

import java.util.Map;

/**
 * Caps on one embedding request, checked before any vector is computed: a few kilobytes of short inputs would
 * otherwise ask for megabytes of vectors and as much work.
 *
 * @param maxInputs inputs per request
 * @param maxTokens tokens of all inputs together
 */
public record EmbedLimits(int maxInputs, int maxTokens) {

    public static final EmbedLimits DEFAULT = new EmbedLimits(256, 65_536);

    public EmbedLimits {
        if (maxInputs < 1) throw new IllegalArgumentException("BASTION_EMBED_MAX_INPUTS / --embed-max-inputs must be >= 1, got " + maxInputs);
        if (maxTokens < 1) throw new IllegalArgumentException("BASTION_EMBED_MAX_TOKENS / --embed-max-tokens must be >= 1, got " + maxTokens);
    }

    /** Reads BASTION_EMBED_MAX_INPUTS and BASTION_EMBED_MAX_TOKENS over the defaults. */
    public static EmbedLimits fromEnvironment(Map<String, String> env) {
        return new EmbedLimits(integer(env, "BASTION_EMBED_MAX_INPUTS", DEFAULT.maxInputs),
                integer(env, "BASTION_EMBED_MAX_TOKENS", DEFAULT.maxTokens));
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null) return fallback;
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + ApiException.quote(value) + "'");
        }
    }

    /** Rejects a request with more inputs than allowed, before the model is even loaded. */
    void checkInputs(int inputs) {
        if (inputs > maxInputs) {
            throw ApiException.badRequest("'input' has " + inputs + " items, more than the limit of " + maxInputs, "input");
        }
    }

    /** Rejects a request whose inputs hold more tokens together than allowed, before any is embedded. */
    void checkTokens(long tokens) {
        if (tokens > maxTokens) {
            throw ApiException.badRequest("'input' has " + tokens + " tokens in total, more than the limit of " + maxTokens, "input");
        }
    }
}
