package dev.bastion.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SlidingWindowRateLimiterTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter(nanos::get, 2000);

    @Test
    void exactlyLimitRequestsPassUnderConcurrency() throws Exception {
        int limit = 100;
        int threads = 16;
        int attemptsPerThread = 50;
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < attemptsPerThread; i++) {
                    if (limiter.tryAcquire("key", limit, Duration.ofMinutes(1)).allowed()) {
                        allowed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertThat(allowed.get()).isEqualTo(limit);
    }

    @Test
    void limitPlusOneIsRefusedWithRetryAfterAndWindowSlides() {
        Duration window = Duration.ofSeconds(10);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("k", 3, window).allowed()).as("request %d", i + 1).isTrue();
            nanos.addAndGet(1_000_000_000L);
        }
        SlidingWindowRateLimiter.Decision refused = limiter.tryAcquire("k", 3, window);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(7);
        assertThat(limiter.tryAcquire("other", 3, window).allowed()).as("keys are independent").isTrue();
        nanos.addAndGet(7_000_000_000L);
        assertThat(limiter.tryAcquire("k", 3, window).allowed()).as("oldest left the window").isTrue();
        assertThat(limiter.tryAcquire("k", 3, window).allowed()).isFalse();
    }

    @Test
    void trackedKeysAreCappedFailingClosedForNewKeysOnly() {
        SlidingWindowRateLimiter small = new SlidingWindowRateLimiter(nanos::get, 3);
        Duration window = Duration.ofSeconds(10);
        for (String key : new String[] {"a", "b", "c"}) {
            assertThat(small.tryAcquire(key, 5, window).allowed()).isTrue();
        }
        SlidingWindowRateLimiter.Decision refused = small.tryAcquire("d", 5, window);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(10);
        assertThat(small.tryAcquire("a", 5, window).allowed()).as("known keys keep working").isTrue();
        nanos.addAndGet(window.toNanos());
        assertThat(small.tryAcquire("d", 5, window).allowed()).as("idle keys make room").isTrue();
    }

    @Test
    void idleKeysAreEvicted() {
        Duration window = Duration.ofSeconds(10);
        for (int i = 0; i < 1000; i++) {
            limiter.tryAcquire("ip-" + i, 5, window);
        }
        assertThat(limiter.trackedKeys()).isEqualTo(1000);
        nanos.addAndGet(Duration.ofMinutes(1).toNanos());
        limiter.tryAcquire("fresh", 5, window);
        assertThat(limiter.trackedKeys()).isEqualTo(1);
    }
}
