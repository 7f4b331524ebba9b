package dev.bastion.engine.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The workers behind {@link Parallel#forRange} when {@code -Dbastion.parallel.spin=true}: a fixed set of daemon threads that spin for a short while after each
 * job before they park, so the back-to-back jobs of a decode step (five per layer) start on awake threads, and a job
 * allocates nothing. One job at a time: a caller that finds the pool busy (another generation, or a job nested in a
 * job's body) gets {@code false} and runs elsewhere.
 *
 * <p>Why not the common fork-join pool: an external {@code invoke()} forks a tree of task objects per job and hands the
 * second half to a worker that has often parked between jobs, and waking a parked thread costs tens of microseconds on
 * a VM, about as much as a 576-row product takes.
 */
final class SpinPool {

    /** How long an idle worker polls for the next job before it parks: longer than the gaps within a decode step. */
    private static final long SPIN_NANOS = 200_000;
    /** A chunk index no job reaches: set while a job's fields are replaced, so no thread claims work meanwhile. */
    private static final int CLOSED = Integer.MAX_VALUE;

    private final Thread[] workers;
    private final AtomicBoolean[] parked;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The job's generation (high 32 bits) and its next unclaimed chunk (low 32 bits); claims are CASes on it. */
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    // The job, written only while no chunk can be claimed (state CLOSED) and published by the volatile write of state.
    private Parallel.RangeBody body;
    private int n;
    private int grain;
    private int chunks;
    private volatile Throwable failure;

    SpinPool(int workerCount) {
        workers = new Thread[workerCount];
        parked = new AtomicBoolean[workerCount];
        for (int i = 0; i < workerCount; i++) {
            parked[i] = new AtomicBoolean();
            int index = i;
            workers[i] = Thread.ofPlatform().daemon().name("bastion-parallel-" + (i + 1)).unstarted(() -> work(index));
            workers[i].start();
        }
    }

    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of {@code grain} on the workers and the calling thread, and returns
     * when every chunk has run (rethrowing the first failure); {@code false}, having run nothing, if the pool is busy.
     */
    boolean tryRun(int n, int grain, Parallel.RangeBody body) {
        if (!busy.compareAndSet(false, true)) return false;
        try {
            long old = state.get();
            long generation = ((old >>> 32) + 1) & 0xFFFFFFFFL; // wraps after 2^32 jobs; only equality matters
            // Still the old generation, so no worker mistakes this for the new job before its fields are written.
            state.set(old & ~0xFFFFFFFFL | CLOSED);
            this.body = body;
            this.n = n;
            this.grain = grain;
            this.chunks = (int) ((n + (long) grain - 1) / grain);
            failure = null;
            done.set(0);
            state.set(generation << 32); // publishes the fields above to every thread that reads this state
            for (int i = 0; i < workers.length; i++) {
                if (parked[i].get()) LockSupport.unpark(workers[i]);
            }
            runChunks(generation);
            for (int spins = 0; done.get() < chunks; spins++) {
                // A worker holding a chunk may have been descheduled: now and then let it run.
                if ((spins & 63) == 63) Thread.yield();
                else Thread.onSpinWait();
            }
            this.body = null; // the body's captured arrays are not kept alive by the pool
            Throwable f = failure;
            if (f instanceof RuntimeException e) throw e;
            if (f instanceof Error e) throw e;
            return true;
        } finally {
            busy.set(false);
        }
    }

    /** Claims and runs chunks of job {@code generation} until none is left (or a newer job replaced it). */
    private void runChunks(long generation) {
        while (true) {
            long s = state.get();
            if (s >>> 32 != generation) return;
            int chunk = (int) s;
            // The fields were published by the read of a state of this generation; a claim that succeeds proves the
            // job was not replaced before the reads.
            Parallel.RangeBody job = body;
            int size = grain, total = n, count = chunks;
            if (chunk >= count) return;
            if (!state.compareAndSet(s, s + 1)) continue;
            int from = chunk * size;
            try {
                job.run(from, Math.min(total, from + size));
            } catch (Throwable t) {
                if (failure == null) failure = t;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    private void work(int index) {
        long seen = 0;
        while (true) {
            long generation = state.get() >>> 32;
            if (generation != seen) {
                seen = generation;
                runChunks(generation);
                continue;
            }
            long deadline = System.nanoTime() + SPIN_NANOS;
            for (int spins = 1; state.get() >>> 32 == seen && System.nanoTime() < deadline; spins++) {
                // Now and then offer the core: on an idle machine yield returns at once, on an oversubscribed one
                // it lets the thread this worker waits for run (spinning workers collapse when cores are shared).
                if ((spins & 63) == 0) Thread.yield();
                else Thread.onSpinWait();
            }
            if (state.get() >>> 32 != seen) continue;
            parked[index].set(true);
            // Re-read after announcing: a caller that published before seeing parked == true is caught here.
            if (state.get() >>> 32 == seen) LockSupport.park(this);
            parked[index].set(false);
        }
    }
}
