package dev.bastion.api.ops;

import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadinessTest {

    private final MutableClock clock = MutableClock.of(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final Readiness readiness = new Readiness(clock, Duration.ofSeconds(1), Duration.ofMillis(300));

    @Test
    void readyWithNoChecksAndNotWhileDraining() {
        assertThat(readiness.verdict().ready()).isTrue();
        readiness.drain();
        assertThat(readiness.verdict()).isEqualTo(new Readiness.Verdict(false, true, java.util.List.of()));
        readiness.resume();
        assertThat(readiness.verdict().ready()).isTrue();
    }

    @Test
    void aCheckThatThrowsReturnsFalseOrHangsFails() {
        readiness.add("good", () -> true);
        readiness.add("throws", () -> {
            throw new IllegalStateException("down");
        });
        readiness.add("false", () -> false);
        CountDownLatch never = new CountDownLatch(1);
        readiness.add("hangs", () -> {
            never.await();
            return true;
        });
        long start = System.nanoTime();
        Readiness.Verdict verdict = readiness.verdict();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(verdict.ready()).isFalse();
        assertThat(verdict.failing()).containsExactly("throws", "false", "hangs");
    }

    @Test
    void aCheckStillHangingFromAnEarlierProbeIsNotStartedAgain() {
        AtomicInteger started = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        readiness.add("stuck", () -> {
            started.incrementAndGet();
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // a driver that ignores interrupts
                }
            }
            return true;
        });
        for (int i = 0; i < 3; i++) {
            assertThat(readiness.verdict().failing()).containsExactly("stuck");
            clock.add(Duration.ofSeconds(2));
        }
        assertThat(started).hasValue(1);
        release.countDown();
    }

    @Test
    void aVerdictIsReusedForTheCacheTimeThenRecomputed() {
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean up = new AtomicBoolean(true);
        readiness.add("db", () -> {
            runs.incrementAndGet();
            return up.get();
        });
        assertThat(readiness.verdict().ready()).isTrue();
        up.set(false);
        assertThat(readiness.verdict().ready()).isTrue();
        assertThat(runs).hasValue(1);
        clock.add(Duration.ofMillis(1000));
        assertThat(readiness.verdict().ready()).isFalse();
        assertThat(runs).hasValue(2);
    }

    @Test
    void namesAreShortLowerCaseAndUnique() {
        readiness.add("database", () -> true);
        assertThatThrownBy(() -> readiness.add("database", () -> true)).hasMessageContaining("already registered");
        for (String bad : new String[]{null, "", "Database", "a b", "x".repeat(40), "db\n", "../x"}) {
            assertThatThrownBy(() -> readiness.add(bad, () -> true)).as(String.valueOf(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aNewCheckIsRunAtTheNextProbeNotAfterTheCache() {
        assertThat(readiness.verdict().ready()).isTrue();
        readiness.add("late", () -> false);
        assertThat(readiness.verdict().ready()).isFalse();
    }
}
