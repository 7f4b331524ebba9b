package dev.bastion.engine.tensor;

/**
 * A read-only weight matrix of {@code rows x cols} (row-major, as Hugging Face stores {@code [out, in]} linear weights)
 * that multiplies F32 activations. Implementations differ in storage (F32, BF16, later quantized blocks); all are
 * thread-safe because they never mutate.
 */
public interface Matrix {

    /** Rows per cache tile of {@link #matMul}: 8 rows of 2048 BF16 weights are 32 KB. */
    int ROW_TILE = 8;

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

    /** Writes row {@code row} as F32 into {@code out[0..cols)} (an embedding lookup). */
    void copyRow(int row, float[] out);

    /** {@code out[r] = row(r) · x} for every row, in parallel across cores. */
    default void matVec(float[] x, float[] out) {
        checkVector("x", x, cols());
        checkVector("out", out, rows());
        Parallel.forRange(rows(), cols(), (from, to) -> matVecRows(from, to, x, out, 0));
    }

    /**
     * {@code out[r + outShift] = row r · x} for rows {@code [from, to)}, on the calling thread: one task's share of
     * {@link #matVec}. Results must equal {@link #dotRow}'s bit for bit.
     */
    default void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        for (int r = from; r < to; r++) out[r + outShift] = dotRow(r, x);
    }

    /**
     * {@code outs[t] = this · xs[t]} for {@code t < count}: the batched form used by prefill. Each weight row is read once
     * for all {@code count} vectors while it is hot in cache, which is what makes it faster than {@code count} matVecs.
     */
    default void matMul(float[][] xs, float[][] outs, int count) {
        if (count < 0 || count > xs.length || count > outs.length) {
            throw new IllegalArgumentException("batch of " + count + " tokens does not fit " + xs.length + " inputs and " + outs.length + " outputs");
        }
        for (int t = 0; t < count; t++) {
            checkVector("xs[" + t + "]", xs[t], cols());
            checkVector("outs[" + t + "]", outs[t], rows());
        }
        Parallel.forRange(rows(), (long) cols() * count, (from, to) -> matMulRows(from, to, xs, count, outs, 0));
    }

    /**
     * {@code outs[t][r + outShift] = row r · xs[t]} for rows {@code [from, to)} and {@code t < count}, on the calling
     * thread: one task's share of {@link #matMul} (a {@link StackedMatrix} passes each part its rows and offset).
     * Results must equal {@link #dotRow}'s bit for bit.
     */
    default void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        // Tiles of ROW_TILE rows: their weights stay in L1/L2 while every token of the batch passes over them, and each
        // token's activations are read once per tile rather than once per row.
        for (int tile = from; tile < to; tile += ROW_TILE) {
            int tileEnd = Math.min(to, tile + ROW_TILE);
            int t = 0;
            for (; t + 4 <= count; t += 4) {
                for (int r = tile; r < tileEnd; r++) dotRow4(r, xs, t, outs, r + outShift);
            }
            for (; t < count; t++) {
                for (int r = tile; r < tileEnd; r++) outs[t][r + outShift] = dotRow(r, xs[t]);
            }
        }
    }

    private static void checkVector(String what, float[] v, int needed) {
        if (v.length < needed) throw new IllegalArgumentException(what + " has length " + v.length + ", needs " + needed);
    }
}
