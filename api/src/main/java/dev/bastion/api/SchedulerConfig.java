package dev.bastion.api;

import dev.bastion.engine.generate.SessionCache;
import dev.bastion.engine.template.RenderLimits;

import java.time.Duration;

/**
 * @param memoryBudgetBytes total weight bytes that may be resident; idle models are evicted LRU-first to stay under it
 * @param numParallel generations one model runs at once; further requests queue fairly
 * @param defaultKeepAlive used when a request gives no keep_alive
 * @param sweepInterval how often expired models are unloaded
 * @param templateLimits what rendering one prompt template may spend while it holds a generation slot
 * @param embedLimits caps on one embedding request
 * @param sessions KV caches each loaded model keeps for its users' next chat turns; bounded on their own, apart from
 *                 {@code memoryBudgetBytes}, and freed with the model
 */
public record SchedulerConfig(long memoryBudgetBytes, int numParallel, KeepAlive defaultKeepAlive, Duration sweepInterval,
                              RenderLimits templateLimits, EmbedLimits embedLimits, SessionCache.Limits sessions) {
    public SchedulerConfig {
        java.util.Objects.requireNonNull(embedLimits, "embedLimits");
        if (memoryBudgetBytes <= 0) throw new IllegalArgumentException("memory budget must be positive, got " + memoryBudgetBytes);
        if (numParallel < 1) throw new IllegalArgumentException("BASTION_NUM_PARALLEL must be >= 1, got " + numParallel);
        if (sweepInterval.isNegative() || sweepInterval.isZero()) throw new IllegalArgumentException("sweep interval must be positive");
        java.util.Objects.requireNonNull(templateLimits, "templateLimits");
        java.util.Objects.requireNonNull(sessions, "sessions");
    }

    public SchedulerConfig(long memoryBudgetBytes, int numParallel, KeepAlive defaultKeepAlive, Duration sweepInterval) {
        this(memoryBudgetBytes, numParallel, defaultKeepAlive, sweepInterval, RenderLimits.DEFAULT, EmbedLimits.DEFAULT,
                defaultSessions());
    }

    public SchedulerConfig withEmbedLimits(EmbedLimits limits) {
        return new SchedulerConfig(memoryBudgetBytes, numParallel, defaultKeepAlive, sweepInterval, templateLimits, limits, sessions);
    }

    public static SchedulerConfig defaults() {
        long heapHalf = Runtime.getRuntime().maxMemory() / 2;
        return new SchedulerConfig(Math.max(heapHalf, 1L << 30), 1, KeepAlive.DEFAULT, Duration.ofSeconds(1));
    }

    public SchedulerConfig withSessions(SessionCache.Limits limits) {
        return new SchedulerConfig(memoryBudgetBytes, numParallel, defaultKeepAlive, sweepInterval, templateLimits, embedLimits, limits);
    }

    /** The engine's default, but at most an eighth of the heap per model: the KV caches live on the heap. */
    static SessionCache.Limits defaultSessions() {
        SessionCache.Limits engine = SessionCache.Limits.DEFAULT;
        return new SessionCache.Limits(engine.maxStates(), Math.min(engine.maxBytes(), Runtime.getRuntime().maxMemory() / 8));
    }

    public SchedulerConfig withTemplateLimits(RenderLimits limits) {
        return new SchedulerConfig(memoryBudgetBytes, numParallel, defaultKeepAlive, sweepInterval, limits, embedLimits, sessions);
    }

    /**
     * Reads BASTION_NUM_PARALLEL, BASTION_MAX_MEMORY (bytes), BASTION_KEEP_ALIVE, the template render limits
     * BASTION_TEMPLATE_TIMEOUT_MS, BASTION_TEMPLATE_MAX_STEPS and BASTION_TEMPLATE_CHARS_PER_TOKEN, the embedding
     * caps ({@link EmbedLimits#fromEnvironment}), and the KV-cache bounds BASTION_KV_CACHE_STATES and
     * BASTION_KV_CACHE_MEMORY (bytes) over the defaults.
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
        SessionCache.Limits sessions = new SessionCache.Limits(
                (int) integer(env, "BASTION_KV_CACHE_STATES", d.sessions().maxStates(), 0, Integer.MAX_VALUE),
                integer(env, "BASTION_KV_CACHE_MEMORY", d.sessions().maxBytes(), 0, Long.MAX_VALUE));
        return new SchedulerConfig(budget, parallel, keepAlive, d.sweepInterval(), templateLimits(env),
                EmbedLimits.fromEnvironment(env), sessions);
    }

    private static RenderLimits templateLimits(java.util.Map<String, String> env) {
        RenderLimits d = RenderLimits.DEFAULT;
        long millis = positive(env, "BASTION_TEMPLATE_TIMEOUT_MS", d.time().toMillis(), Long.MAX_VALUE / 1_000_000);
        long steps = positive(env, "BASTION_TEMPLATE_MAX_STEPS", d.maxSteps(), Long.MAX_VALUE);
        long perToken = positive(env, "BASTION_TEMPLATE_CHARS_PER_TOKEN", d.outputCharsPerToken(), Integer.MAX_VALUE);
        return new RenderLimits(Duration.ofMillis(millis), steps, (int) perToken);
    }

    private static long positive(java.util.Map<String, String> env, String name, long fallback, long max) {
        return integer(env, name, fallback, 1, max);
    }

    private static long integer(java.util.Map<String, String> env, String name, long fallback, long min, long max) {
        String value = env.get(name);
        if (value == null) return fallback;
        try {
            long n = Long.parseLong(value.strip());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be an integer from " + min + " to " + max + ", got '"
                + ApiException.quote(value) + "'");
    }
}
