package dev.bastion.credits;

/**
 * What a subject costs, in whole credits: per 1,000 prompt tokens, per 1,000 generated tokens, and per call. A request
 * is charged {@code perCall + ceil((prompt * promptPer1k + generated * generatedPer1k) / 1000)}: rounded up once per
 * request, never in floating point.
 */
public record Price(String subject, long promptPer1k, long generatedPer1k, long perCall) {

    /** In force when no price was ever set: a credit per thousand tokens either way, tool calls free. */
    public static final Price BUILT_IN_DEFAULT = new Price(Prices.DEFAULT, 1, 1, 0);

    public Price {
        if (promptPer1k < 0 || generatedPer1k < 0 || perCall < 0) throw new IllegalArgumentException("prices cannot be negative");
    }

    public long cost(long promptTokens, long generatedTokens) {
        long thousandths = Math.addExact(Math.multiplyExact(promptTokens, promptPer1k),
                Math.multiplyExact(generatedTokens, generatedPer1k));
        return Math.addExact(perCall, Math.ceilDiv(thousandths, 1000L));
    }

    /**
     * The most a generation can cost: prompt and generated tokens together never exceed the context, and at most
     * {@code maxGenerated} of them are generated; the dearer kind of token is assumed wherever it can be.
     */
    public long maxCost(long context, long maxGenerated) {
        long generated = Math.max(0, Math.min(maxGenerated, context));
        if (generatedPer1k > promptPer1k) return cost(context - generated, generated);
        return cost(context, 0);
    }
}
