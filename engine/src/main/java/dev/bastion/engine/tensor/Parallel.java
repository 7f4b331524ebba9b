package dev.bastion.engine.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits an index range across the common fork-join pool; small ranges run inline because handing them off costs more
 * than it saves. With {@code -Dbastion.parallel.spin=true}, jobs run on {@link SpinPool}'s spinning workers instead
 * (the fork-join pool when those are busy). The server launchers ({@code bin/bastion}, the container) turn it on:
 * on an idle machine it lifts decode by about half; the library default stays off because on an oversubscribed
 * machine spinning workers lose more than they save (docs/performance.md). The thread count is the common pool's parallelism plus the caller, so
 * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} sets both.
 */
public final class Parallel {

    /** Below this many multiply-adds a range is not worth splitting. */
    private static final long MIN_TASK_WORK = 1L << 15;
    private static final boolean SPIN = Boolean.getBoolean("bastion.parallel.spin");

    /** Body over a half-open index range. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private Parallel() {}

    /**
     * Runs {@code body} over {@code [0, n)} in chunks, possibly in parallel.
     *
     * @param workPerItem rough cost of one index (e.g. multiply-adds), used to size chunks
     */
    public static void forRange(int n, long workPerItem, RangeBody body) {
        if (n <= 0) return;
        // invoke() runs in the calling thread, so it works alongside the pool's workers (the pool has cores - 1).
        int threads = ForkJoinPool.getCommonPoolParallelism() + 1;
        long total = n * Math.max(1, workPerItem);
        if (threads == 1 || total < 2 * MIN_TASK_WORK) {
            body.run(0, n);
            return;
        }
        int byWork = (int) Math.max(1, MIN_TASK_WORK / Math.max(1, workPerItem));
        int byThreads = Math.max(1, n / (threads * 4));
        int grain = Math.max(byWork, byThreads);
        // Whole passes of the decode kernels (four rows at a time) where chunks are large enough to care.
        if (grain >= 8) grain = (int) Math.min(n, (grain + 3L) & ~3L);
        if (SPIN && Workers.POOL.threads() == threads && Workers.POOL.tryRun(n, grain, body)) return;
        new RangeTask(body, 0, n, grain).invoke();
    }

    /** Started on first use, sized by the common pool's parallelism at that moment. */
    private static final class Workers {
        static final SpinPool POOL = new SpinPool(ForkJoinPool.getCommonPoolParallelism());
    }

    private static final class RangeTask extends RecursiveAction {
        private final RangeBody body;
        private final int from;
        private final int to;
        private final int grain;

        RangeTask(RangeBody body, int from, int to, int grain) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.grain = grain;
        }

        @Override
        protected void compute() {
            if (to - from <= grain) {
                body.run(from, to);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new RangeTask(body, from, mid, grain), new RangeTask(body, mid, to, grain));
        }
    }
}
