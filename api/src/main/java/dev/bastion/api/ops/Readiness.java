package dev.bastion.api.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Whether this node should get new requests: every registered check passes and the node is not draining. Modules add
 * checks and drain through {@link dev.bastion.api.ServerServices#readiness()}. A verdict is reused for a second, so
 * probes cannot be turned into a flood of database queries; a check that hangs counts as failed after its timeout.
 */
public final class Readiness {

    /** One dependency of serving: returns normally when usable, throws (or returns false) when not. */
    @FunctionalInterface
    public interface Check {
        boolean ready() throws Exception;
    }

    /** @param failing the names of the checks that failed (for logs and operators, never sent to probes) */
    public record Verdict(boolean ready, boolean draining, List<String> failing) {
        public Verdict {
            failing = List.copyOf(failing);
        }
    }

    public static final Duration DEFAULT_CACHE = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

    private final Map<String, Check> checks = new LinkedHashMap<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Clock clock;
    private final Duration cacheFor;
    private final Duration timeout;
    private final ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor();
    /** A check still running from an earlier probe is not started again: a hung dependency costs one thread. */
    private final Map<String, Run> running = new LinkedHashMap<>();

    /** {@code returned} is set when the check itself returns (a cancelled future is "done" before that). */
    private record Run(Future<Boolean> future, AtomicBoolean returned) {}
    private Verdict last;
    private Instant lastAt = Instant.MIN;

    public Readiness() {
        this(Clock.systemUTC(), DEFAULT_CACHE, DEFAULT_TIMEOUT);
    }

    public Readiness(Clock clock, Duration cacheFor, Duration timeout) {
        this.clock = clock;
        this.cacheFor = cacheFor;
        this.timeout = timeout;
    }

    /** Adds a check under a short lower-case name ({@code database}); a name can be used once. */
    public synchronized void add(String name, Check check) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a readiness check needs a short lower-case name, e.g. 'database'");
        }
        if (checks.putIfAbsent(name, java.util.Objects.requireNonNull(check, "check")) != null) {
            throw new IllegalArgumentException("a readiness check named '" + name + "' is already registered");
        }
        lastAt = Instant.MIN;
    }

    /** Stops taking new requests as far as load balancers are concerned (in-flight ones are not touched). */
    public void drain() {
        if (!draining.getAndSet(true)) LOG.info("draining: /health/ready now answers 503");
    }

    /** Takes new requests again after {@link #drain}. */
    public void resume() {
        if (draining.getAndSet(false)) LOG.info("no longer draining");
    }

    public boolean draining() {
        return draining.get();
    }

    /** The current verdict: draining at once, the checks' result at most {@code cacheFor} old. */
    public Verdict verdict() {
        if (draining.get()) return new Verdict(false, true, List.of());
        synchronized (this) {
            Instant now = clock.instant();
            if (last == null || !now.isBefore(lastAt.plus(cacheFor))) {
                last = evaluate();
                lastAt = now;
            }
            return last;
        }
    }

    private Verdict evaluate() {
        checks.forEach((name, check) -> {
            Run previous = running.get(name);
            if (previous == null || previous.returned().get()) {
                AtomicBoolean returned = new AtomicBoolean();
                running.put(name, new Run(runner.submit(() -> {
                    try {
                        return check.ready();
                    } finally {
                        returned.set(true);
                    }
                }), returned));
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> failing = new ArrayList<>();
        running.forEach((name, run) -> {
            Future<Boolean> future = run.future();
            try {
                if (!Boolean.TRUE.equals(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))) {
                    failing.add(name);
                }
            } catch (TimeoutException e) {
                future.cancel(true); // interrupts it; one that ignores interrupts is left to finish, not restarted
                failing.add(name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failing.add(name);
            } catch (Exception e) {
                failing.add(name);
            }
        });
        if (!failing.isEmpty()) LOG.warn("not ready: failing checks {}", failing);
        return new Verdict(failing.isEmpty(), false, failing);
    }
}
