package dev.bastion.security;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Exact sliding-window limiter: per key, a log of admission times within the window; a request is admitted iff fewer
 * than {@code limit} were admitted in the last {@code window}. Idle keys are evicted, and at most {@code maxKeys}
 * keys are tracked: beyond that, new keys are refused (fail closed) rather than letting a flood of distinct client
 * addresses exhaust memory.
 */
public final class SlidingWindowRateLimiter {

    public record Decision(boolean allowed, long retryAfterSeconds) {
    }

    private static final class Window {
        final ArrayDeque<Long> admitted = new ArrayDeque<>();
        boolean evicted;
        long lastSeen;
    }

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private final long evictionIntervalNanos;
    private final AtomicLong nextEviction;
    private final int maxKeys;

    public static final int DEFAULT_MAX_KEYS = 100_000;

    public SlidingWindowRateLimiter() {
        this(System::nanoTime, DEFAULT_MAX_KEYS);
    }

    public SlidingWindowRateLimiter(LongSupplier nanoClock, int maxKeys) {
        this.nanoClock = nanoClock;
        this.maxKeys = maxKeys;
        this.evictionIntervalNanos = Duration.ofSeconds(30).toNanos();
        this.nextEviction = new AtomicLong(nanoClock.getAsLong() + evictionIntervalNanos);
    }

    public Decision tryAcquire(String key, int limit, Duration window) {
        if (limit <= 0) {
            return new Decision(true, 0);
        }
        long now = nanoClock.getAsLong();
        long windowNanos = window.toNanos();
        evictIdle(now, windowNanos, false);
        if (windows.size() >= maxKeys && !windows.containsKey(key)) {
            evictIdle(now, windowNanos, true);
            if (windows.size() >= maxKeys) {
                return new Decision(false, Math.max(1, window.toSeconds()));
            }
        }
        while (true) {
            Window w = windows.computeIfAbsent(key, k -> new Window());
            synchronized (w) {
                if (w.evicted) {
                    continue; // lost a race with eviction: use the fresh entry
                }
                w.lastSeen = now;
                while (!w.admitted.isEmpty() && now - w.admitted.peekFirst() >= windowNanos) {
                    w.admitted.pollFirst();
                }
                if (w.admitted.size() < limit) {
                    w.admitted.addLast(now);
                    return new Decision(true, 0);
                }
                long waitNanos = w.admitted.peekFirst() + windowNanos - now;
                return new Decision(false, Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L));
            }
        }
    }

    /** Number of keys currently tracked (for tests and metrics). */
    public int trackedKeys() {
        return windows.size();
    }

    private void evictIdle(long now, long windowNanos, boolean force) {
        long due = nextEviction.get();
        boolean claimed = now >= due && nextEviction.compareAndSet(due, now + Math.min(evictionIntervalNanos, windowNanos));
        if (!claimed && !force) {
            return;
        }
        windows.forEach((key, w) -> {
            synchronized (w) {
                if (now - w.lastSeen >= windowNanos) {
                    w.evicted = true;
                    windows.remove(key, w);
                }
            }
        });
    }
}
