package dev.bastion.engine.tensor;

/**
 * A read-only weight matrix of {@code rows x cols} (row-major, as Hugging Face stores {@code [out, in]} linear weights)
 * that multiplies F32 activations. Implementations differ in storage (F32, BF16, later quantized blocks); all are
 * thread-safe because they never mutate.
 */
public interface Matrix {

    int rows();

    int cols();

    /** The dot product of row {@code row} with {@code x[0..cols)}. */
    float dotRow(int row, float[] x);

    /**
     * {@code outs[t][outRow] = row · xs[t]} for the four tokens {@code t0..t0+3}. Implementations read each weight once
     * for all four, and must sum in the same order as {@link #dotRow}: results are bit-identical however tokens are
     * batched, which KV-cache reuse across chat turns relies on (a reused cache must equal a fresh prefill).
     */
    default void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        for (int t = t0; t < t0 + 4; t++) outs[t][outRow] = dotRow(row, xs[t]);
    }

    /**
     * {@link #dotRow4} for rows {@code row} and {@code row + 1} at once (written to {@code outRow} and {@code outRow + 1}):
     * a kernel holding both rows' accumulators loads each activation once for two rows, which halves the loads per
     * multiply-add of prefill. Same summation order per (row, token) as {@link #dotRow}.
     */
    default void dotRows2x4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        dotRow4(row, xs, t0, outs, outRow);
        dotRow4(row + 1, xs, t0, outs, outRow + 1);
    }

    /** Writes row {@code row} as F32 into {@code out[0..cols)} (an embedding lookup). */
    void copyRow(int row, float[] out);

    /** {@code out[r] = row(r) · x} for every row, in parallel across cores. */
    default void matVec(float[] x, float[] out) {
        checkVector("x", x, cols());
        checkVector("out", out, rows());
        Parallel.forRange(rows(), cols(), (from, to) -> {
            for (int r = from; r < to; r++) out[r] = dotRow(r, x);
        });
    }

    /**
     * {@code outs[t] = this · xs[t]} for {@code t < count}: the batched form used by prefill. Each weight row is read once
     * for all {@code count} vectors while it is hot in cache, which is what makes it faster than {@code count} matVecs.
     */
    default void matMul(float[][] xs, float[][] outs, int count) {
        for (int t = 0; t < count; t++) {
            checkVector("xs[" + t + "]", xs[t], cols());
            checkVector("outs[" + t + "]", outs[t], rows());
        }
        // Split in pairs of rows, so every task but the last runs the two-row kernel.
        int pairs = (rows() + 1) / 2;
        Parallel.forRange(pairs, 2L * cols() * count, (from, to) -> {
            for (int r = 2 * from; r < Math.min(2 * to, rows()); r += 2) {
                boolean two = r + 1 < rows();
                int t = 0;
                for (; t + 4 <= count; t += 4) {
                    if (two) dotRows2x4(r, xs, t, outs, r);
                    else dotRow4(r, xs, t, outs, r);
                }
                for (; t < count; t++) {
                    outs[t][r] = dotRow(r, xs[t]);
                    if (two) outs[t][r + 1] = dotRow(r + 1, xs[t]);
                }
            }
        });
    }

    private static void checkVector(String what, float[] v, int needed) {
        if (v.length < needed) throw new IllegalArgumentException(what + " has length " + v.length + ", needs " + needed);
    }
}
