package dev.bastion.bench;

import dev.bastion.engine.tensor.VectorMath;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A benchmark-only experiment (2026-12-03, not adopted): {@code TileKernels}' 4-row by 4-token register tile with the
 * rows cut into blocks of {@link #COLUMNS} columns, a block of {@link #ROWS} rows kept in L1 while all the batch's
 * tokens pass over it and each product's accumulator carried from block to block through {@code acc} (same fma chain,
 * same bits). Measured with {@link LongRowBenchmark}: no faster than whole rows on this machine (2 MB L2 per core), the
 * kernel is bound by its loads, not by where they hit. {@code -Dbastion.tile.rows} and {@code -Dbastion.tile.columns}
 * set the block.
 */
final class TileKernelsBlocked {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();

    /** Rows of a tile: decoded once per batch, then every token of the batch passes over them. */
    public static final int ROWS = Integer.getInteger("bastion.tile.rows", 16);

    /** Columns of a block (a multiple of the lanes): {@link #ROWS} × 512 floats are 32 KB, within a 48 KB L1. */
    public static final int COLUMNS = Math.max(LANES, Integer.getInteger("bastion.tile.columns", 512) / LANES * LANES);

    private TileKernelsBlocked() {}

    /** {@code w[wOff..wOff+n) · x[0..n)} in the order every kernel here follows. */
    public static float dot(float[] w, int wOff, float[] x, int n) {
        int vectorEnd = n - n % LANES;
        FloatVector a = FloatVector.zero(F);
        for (int i = 0; i < vectorEnd; i += LANES) a = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, i), a);
        float sum = VectorMath.sumLanes(a);
        for (int i = vectorEnd; i < n; i++) sum += w[wOff + i] * x[i];
        return sum;
    }

    /**
     * Where column {@code c} of row {@code r} goes in a tile of {@code rows} rows of {@code n}: the tile is stored block
     * by block ({@link #COLUMNS} columns each, the last one narrower), each block row after row, so a block's rows are
     * contiguous (rows 32 KB apart would share L1 sets). Rows of at most {@link #COLUMNS} are plain row-major.
     */
    public static int offset(int rows, int n, int r, int c) {
        int block = c - c % COLUMNS;
        return block * rows + r * Math.min(COLUMNS, n - block) + c - block;
    }

    /** Floats of {@code acc} that {@link #tileTimesBatch} needs for a tile of {@code rows} rows and {@code count} tokens. */
    public static int accumulatorFloats(int rows, int count) {
        return rows * (count - count % 4) * LANES;
    }

    /**
     * The tile {@code w} of {@code rows} rows of {@code n} (laid out as {@link #offset} says) times every token:
     * {@code outs[t][outRow + r] = row r · xs[t]} for {@code t < count}. {@code acc} must hold
     * {@link #accumulatorFloats} floats: the accumulators of every row and token, carried across column blocks.
     */
    public static void tileTimesBatch(float[] w, int rows, int n, float[][] xs, int count, float[][] outs, int outRow,
                                      float[] acc) {
        int quads = count - count % 4;
        Arrays.fill(acc, 0, accumulatorFloats(rows, count), 0f); // +0.0, the chain's start in dot
        int vectorEnd = n - n % LANES;
        for (int c = 0; c < vectorEnd; c += COLUMNS) {
            int width = Math.min(COLUMNS, n - c);
            int vectors = Math.min(width, vectorEnd - c);
            int block = c * rows;
            for (int t = 0; t < quads; t += 4) {
                int r = 0;
                for (; r + 4 <= rows; r += 4) dot4x4(w, block + r * width, width, vectors, xs, t, c, acc, (t * rows + 4 * r) * LANES);
                for (; r < rows; r++) dot1x4(w, block + r * width, vectors, xs, t, c, acc, (t * rows + 4 * r) * LANES);
            }
        }
        for (int t = 0; t < quads; t += 4) finish(w, rows, n, xs, t, outs, outRow, acc);
        for (int t = quads; t < count; t++) {
            for (int r = 0; r < rows; r++) outs[t][outRow + r] = dotBlocked(w, rows, n, r, xs[t]);
        }
    }

    /**
     * Four rows ({@code w[wOff + k * width..)}) by four tokens ({@code xs[t0..t0+3]} from column {@code col}) over
     * {@code vectors} columns, continuing the accumulators at {@code acc[at..)} (row k, token j at
     * {@code at + (4k + j) * LANES}). The tails and lane sums are left to {@link #finish}: with them this method outgrows
     * what C2 inlines whole, and its vector operations would fall back to boxed objects (4-6x slower).
     */
    private static void dot4x4(float[] w, int wOff, int width, int vectors, float[][] xs, int t0, int col, float[] acc, int at) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        int o1 = wOff + width, o2 = o1 + width, o3 = o2 + width;
        FloatVector a0 = FloatVector.fromArray(F, acc, at), a1 = FloatVector.fromArray(F, acc, at + LANES);
        FloatVector a2 = FloatVector.fromArray(F, acc, at + 2 * LANES), a3 = FloatVector.fromArray(F, acc, at + 3 * LANES);
        FloatVector b0 = FloatVector.fromArray(F, acc, at + 4 * LANES), b1 = FloatVector.fromArray(F, acc, at + 5 * LANES);
        FloatVector b2 = FloatVector.fromArray(F, acc, at + 6 * LANES), b3 = FloatVector.fromArray(F, acc, at + 7 * LANES);
        FloatVector c0 = FloatVector.fromArray(F, acc, at + 8 * LANES), c1 = FloatVector.fromArray(F, acc, at + 9 * LANES);
        FloatVector c2 = FloatVector.fromArray(F, acc, at + 10 * LANES), c3 = FloatVector.fromArray(F, acc, at + 11 * LANES);
        FloatVector d0 = FloatVector.fromArray(F, acc, at + 12 * LANES), d1 = FloatVector.fromArray(F, acc, at + 13 * LANES);
        FloatVector d2 = FloatVector.fromArray(F, acc, at + 14 * LANES), d3 = FloatVector.fromArray(F, acc, at + 15 * LANES);
        for (int i = 0; i < vectors; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, w, wOff + i), wb = FloatVector.fromArray(F, w, o1 + i);
            FloatVector wc = FloatVector.fromArray(F, w, o2 + i), wd = FloatVector.fromArray(F, w, o3 + i);
            FloatVector x = FloatVector.fromArray(F, x0, col + i);
            a0 = wa.fma(x, a0);
            b0 = wb.fma(x, b0);
            c0 = wc.fma(x, c0);
            d0 = wd.fma(x, d0);
            x = FloatVector.fromArray(F, x1, col + i);
            a1 = wa.fma(x, a1);
            b1 = wb.fma(x, b1);
            c1 = wc.fma(x, c1);
            d1 = wd.fma(x, d1);
            x = FloatVector.fromArray(F, x2, col + i);
            a2 = wa.fma(x, a2);
            b2 = wb.fma(x, b2);
            c2 = wc.fma(x, c2);
            d2 = wd.fma(x, d2);
            x = FloatVector.fromArray(F, x3, col + i);
            a3 = wa.fma(x, a3);
            b3 = wb.fma(x, b3);
            c3 = wc.fma(x, c3);
            d3 = wd.fma(x, d3);
        }
        a0.intoArray(acc, at);
        a1.intoArray(acc, at + LANES);
        a2.intoArray(acc, at + 2 * LANES);
        a3.intoArray(acc, at + 3 * LANES);
        b0.intoArray(acc, at + 4 * LANES);
        b1.intoArray(acc, at + 5 * LANES);
        b2.intoArray(acc, at + 6 * LANES);
        b3.intoArray(acc, at + 7 * LANES);
        c0.intoArray(acc, at + 8 * LANES);
        c1.intoArray(acc, at + 9 * LANES);
        c2.intoArray(acc, at + 10 * LANES);
        c3.intoArray(acc, at + 11 * LANES);
        d0.intoArray(acc, at + 12 * LANES);
        d1.intoArray(acc, at + 13 * LANES);
        d2.intoArray(acc, at + 14 * LANES);
        d3.intoArray(acc, at + 15 * LANES);
    }

    /** {@link #dot4x4} for one row. */
    private static void dot1x4(float[] w, int wOff, int vectors, float[][] xs, int t0, int col, float[] acc, int at) {
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        FloatVector a0 = FloatVector.fromArray(F, acc, at), a1 = FloatVector.fromArray(F, acc, at + LANES);
        FloatVector a2 = FloatVector.fromArray(F, acc, at + 2 * LANES), a3 = FloatVector.fromArray(F, acc, at + 3 * LANES);
        for (int i = 0; i < vectors; i += LANES) {
            FloatVector wa = FloatVector.fromArray(F, w, wOff + i);
            a0 = wa.fma(FloatVector.fromArray(F, x0, col + i), a0);
            a1 = wa.fma(FloatVector.fromArray(F, x1, col + i), a1);
            a2 = wa.fma(FloatVector.fromArray(F, x2, col + i), a2);
            a3 = wa.fma(FloatVector.fromArray(F, x3, col + i), a3);
        }
        a0.intoArray(acc, at);
        a1.intoArray(acc, at + LANES);
        a2.intoArray(acc, at + 2 * LANES);
        a3.intoArray(acc, at + 3 * LANES);
    }

    /** Sums each accumulator's lanes, adds the scalar tail and writes every row for the four tokens from {@code t0}. */
    private static void finish(float[] w, int rows, int n, float[][] xs, int t0, float[][] outs, int outRow, float[] acc) {
        int vectorEnd = n - n % LANES;
        for (int r = 0; r < rows; r++) {
            int tail = offset(rows, n, r, vectorEnd); // the tail is contiguous: it cannot cross a block boundary
            for (int j = 0; j < 4; j++) {
                float[] x = xs[t0 + j];
                float sum = VectorMath.sumLanes(FloatVector.fromArray(F, acc, (t0 * rows + 4 * r + j) * LANES));
                for (int i = vectorEnd; i < n; i++) sum += w[tail + i - vectorEnd] * x[i];
                outs[t0 + j][outRow + r] = sum;
            }
        }
    }

    /** Row {@code r} of the tile times {@code x}, block by block in {@link #dot}'s order (tokens left after the fours). */
    private static float dotBlocked(float[] w, int rows, int n, int r, float[] x) {
        int vectorEnd = n - n % LANES;
        FloatVector a = FloatVector.zero(F);
        for (int c = 0; c < vectorEnd; c += COLUMNS) {
            int width = Math.min(COLUMNS, n - c);
            int vectors = Math.min(width, vectorEnd - c);
            int off = c * rows + r * width;
            for (int i = 0; i < vectors; i += LANES) a = FloatVector.fromArray(F, w, off + i).fma(FloatVector.fromArray(F, x, c + i), a);
        }
        float sum = VectorMath.sumLanes(a);
        int tail = offset(rows, n, r, vectorEnd);
        for (int i = vectorEnd; i < n; i++) sum += w[tail + i - vectorEnd] * x[i];
        return sum;
    }
}
