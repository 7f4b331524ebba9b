package dev.bastion.engine.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SpinPool} (and {@link Parallel#forRange}, on whichever pool this JVM uses): every index exactly once, whoever
 * calls, however often, whatever fails.
 */
class ParallelTest {

    private final SpinPool pool = new SpinPool(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
    private final ExecutorService callers = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    @Test
    void everyIndexRunsExactlyOnceOverManyBackToBackJobs() {
        for (int job = 0; job < 2000; job++) {
            int n = 1 + job % 997, grain = 1 + job % 61;
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            assertThat(pool.tryRun(n, grain, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            })).isTrue();
            assertOnce(hits, "job " + job);
            AtomicIntegerArray viaParallel = new AtomicIntegerArray(n);
            Parallel.forRange(n, 1 + job % 5000, (from, to) -> {
                for (int i = from; i < to; i++) viaParallel.incrementAndGet(i);
            });
            assertOnce(viaParallel, "Parallel job " + job);
        }
    }

    /** Generations decode concurrently: one gets the workers, the others are told to run elsewhere; none loses rows. */
    @Test
    void concurrentCallersAndNestedCallsEachGetTheirWholeRange() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> results = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            results.add(callers.submit(() -> {
                start.await();
                for (int job = 0; job < 300; job++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(64 * 50);
                    run(64, 4, (from, to) -> { // a job whose body runs jobs of its own
                        for (int i = from; i < to; i++) {
                            int outer = i;
                            run(50, 7, (f, t) -> {
                                for (int k = f; k < t; k++) hits.incrementAndGet(outer * 50 + k);
                            });
                        }
                    });
                    assertOnce(hits, "job " + job);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> r : results) r.get(2, TimeUnit.MINUTES);
    }

    @Test
    void aFailingChunkIsRethrownToTheCallerAndThePoolKeepsWorking() {
        for (int round = 0; round < 50; round++) {
            int bad = round * 37 % 1000;
            assertThatThrownBy(() -> pool.tryRun(1000, 10, (from, to) -> {
                if (from <= bad && bad < to) throw new IllegalStateException("chunk with index " + bad);
            })).isInstanceOf(IllegalStateException.class).hasMessage("chunk with index " + bad);
            AtomicIntegerArray hits = new AtomicIntegerArray(1000);
            assertThat(pool.tryRun(1000, 10, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            })).as("the pool is free again after a failure").isTrue();
            assertOnce(hits, "after failure " + round);
        }
    }

    @Test
    void jobsAfterTheWorkersHaveParkedStillRunEverywhere() throws InterruptedException {
        for (int round = 0; round < 5; round++) {
            Thread.sleep(5); // longer than the workers spin, so they park and must be woken
            AtomicIntegerArray hits = new AtomicIntegerArray(4096);
            pool.tryRun(4096, 64, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            });
            assertOnce(hits, "round " + round);
        }
    }

    /** The caller's chunks wait for a chunk run elsewhere: without working workers this would time out. */
    @Test
    void theWorkersRunChunksAlongsideTheCaller() {
        Thread caller = Thread.currentThread();
        CountDownLatch elsewhere = new CountDownLatch(1);
        AtomicBoolean gaveUp = new AtomicBoolean();
        pool.tryRun(64, 8, (from, to) -> {
            if (Thread.currentThread() != caller) elsewhere.countDown();
            else if (!gaveUp.get()) {
                try {
                    if (!elsewhere.await(10, TimeUnit.SECONDS)) gaveUp.set(true);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertThat(gaveUp).as("no chunk ran on another thread within 10 s").isFalse();
    }

    /** What Parallel does with the pool: run there, or inline when it is busy. */
    private void run(int n, int grain, Parallel.RangeBody body) {
        if (!pool.tryRun(n, grain, body)) body.run(0, n);
    }

    private static void assertOnce(AtomicIntegerArray hits, String what) {
        for (int i = 0; i < hits.length(); i++) assertThat(hits.get(i)).as("%s index %d", what, i).isEqualTo(1);
    }
}
