package dev.bastion.api;

import java.time.Duration;

/**
 * @param memoryBudgetBytes total weight bytes that may be resident; idle models are evicted LRU-first to stay under it
 * @param numParallel generations one model runs at once; further requests queue fairly
 * @param defaultKeepAlive used when a request gives no keep_alive
 * @param sweepInterval how often expired models are unloaded
 * @param embedLimits caps on one embedding request
 */
public record SchedulerConfig(long memoryBudgetBytes, int numParallel, KeepAlive defaultKeepAlive, Duration sweepInterval,
                              EmbedLimits embedLimits) {
    public SchedulerConfig {
        java.util.Objects.requireNonNull(embedLimits, "embedLimits");
        if (memoryBudgetBytes <= 0) throw new IllegalArgumentException("memory budget must be positive, got " + memoryBudgetBytes);
        if (numParallel < 1) throw new IllegalArgumentException("BASTION_NUM_PARALLEL must be >= 1, got " + numParallel);
        if (sweepInterval.isNegative() || sweepInterval.isZero()) throw new IllegalArgumentException("sweep interval must be positive");
    }

    public SchedulerConfig(long memoryBudgetBytes, int numParallel, KeepAlive defaultKeepAlive, Duration sweepInterval) {
        this(memoryBudgetBytes, numParallel, defaultKeepAlive, sweepInterval, EmbedLimits.DEFAULT);
    }

    public SchedulerConfig withEmbedLimits(EmbedLimits limits) {
        return new SchedulerConfig(memoryBudgetBytes, numParallel, defaultKeepAlive, sweepInterval, limits);
    }

    public static SchedulerConfig defaults() {
        long heapHalf = Runtime.getRuntime().maxMemory() / 2;
        return new SchedulerConfig(Math.max(heapHalf, 1L << 30), 1, KeepAlive.DEFAULT, Duration.ofSeconds(1));
    }

    /**
     * Reads BASTION_NUM_PARALLEL, BASTION_MAX_MEMORY (bytes), BASTION_KEEP_ALIVE and the embedding caps
     * ({@link EmbedLimits#fromEnvironment}) over the defaults.
     */
    public static SchedulerConfig fromEnvironment(java.util.Map<String, String> env) {
        SchedulerConfig d = defaults();
        int parallel = d.numParallel();
        long budget = d.memoryBudgetBytes();
        try {
            if (env.get("BASTION_NUM_PARALLEL") != null) parallel = Integer.parseInt(env.get("BASTION_NUM_PARALLEL").strip());
            if (env.get("BASTION_MAX_MEMORY") != null) budget = Long.parseLong(env.get("BASTION_MAX_MEMORY").strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("BASTION_NUM_PARALLEL and BASTION_MAX_MEMORY must be integers: " + e.getMessage());
        }
        KeepAlive keepAlive = d.defaultKeepAlive();
        if (env.get("BASTION_KEEP_ALIVE") != null) {
            try {
                keepAlive = KeepAlive.parse(env.get("BASTION_KEEP_ALIVE"));
            } catch (ApiException e) {
                throw new IllegalArgumentException("BASTION_KEEP_ALIVE: " + e.getMessage());
            }
        }
        return new SchedulerConfig(budget, parallel, keepAlive, d.sweepInterval(), EmbedLimits.fromEnvironment(env));
    }
}
