package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.bastion.engine.tensor.GgmlBlocks.F;
import static dev.bastion.engine.tensor.GgmlBlocks.L;

/**
 * ggml's Q6_K super-blocks used in place: per 256 weights 128 bytes {@code ql} of low nibbles, 64 bytes {@code qh}
 * of 2-bit high parts, 16 signed 8-bit scales (one per 16 weights) and an F16 {@code d}; {@code w = d*sc*(q - 32)}.
 * Each half of 128 weights is four quarters {@code k} of 32: quarter {@code k} takes the low ({@code k < 2}) or high
 * nibbles of {@code ql[32 * (k & 1) ..]} and bits {@code 2k, 2k+1} of {@code qh}.
 */
public final class GgmlQ6KMatrix implements Matrix {

    static final int BLOCK = 256, BYTES = 210;
    private static final int QH = 128, SCALES = 192, D = 208;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    /** {@link #decodeRow} for the tiled batch path, made once so a product allocates nothing for it. */
    private final GgmlTiles.RowDecoder decoder = this::decodeRow;

    /** @param data native memory of exactly {@code rows * cols / 256} super-blocks of 210 bytes */
    public GgmlQ6KMatrix(MemorySegment data, int rows, int cols) {
        this.data = GgmlBlocks.requireBlocks(data, StorageType.Q6_K, rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) cols / BLOCK * BYTES;
    }

    /** The reference dequantizer, straight from ggml's dequantize_row_q6_K. */
    public static void dequantizeRow(MemorySegment blocks, long at, float[] out, int count) {
        for (int b = 0; b < count / BLOCK; b++, at += BYTES) {
            float d = GgmlBlocks.half(blocks, at + D);
            for (int n = 0; n < 2; n++) {
                long ql = at + n * 64L, qh = at + QH + n * 32L, sc = at + SCALES + n * 8L;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16, low = GgmlBlocks.u8(blocks, ql + l), low2 = GgmlBlocks.u8(blocks, ql + l + 32);
                    int high = GgmlBlocks.u8(blocks, qh + l);
                    int q1 = ((low & 0xF) | (high & 3) << 4) - 32;
                    int q2 = ((low2 & 0xF) | (high >> 2 & 3) << 4) - 32;
                    int q3 = ((low >> 4) | (high >> 4 & 3) << 4) - 32;
                    int q4 = ((low2 >> 4) | (high >> 6 & 3) << 4) - 32;
                    int y = b * BLOCK + n * 128 + l;
                    out[y] = d * scale(blocks, sc + is) * q1;
                    out[y + 32] = d * scale(blocks, sc + is + 2) * q2;
                    out[y + 64] = d * scale(blocks, sc + is + 4) * q3;
                    out[y + 96] = d * scale(blocks, sc + is + 6) * q4;
                }
            }
        }
    }

    private static int scale(MemorySegment blocks, long at) {
        return blocks.get(ValueLayout.JAVA_BYTE, at);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public void copyRow(int row, float[] out) {
        dequantizeRow(data, row * rowBytes, out, cols);
    }

    /** Batches of {@link GgmlTiles#MIN_TOKENS} tokens or more dequantize each tile of rows once for the whole batch. */
    @Override
    public void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        if (GgmlTiles.tiled(count)) GgmlTiles.mulRows(cols, decoder, from, to, outShift, xs, outs, count);
        else Matrix.super.matMulRows(from, to, xs, count, outs, outShift);
    }

    /**
     * One token's rows with this class's own loop: through {@link Matrix}'s shared default, a JVM holding two block
     * types made its call to dotRow bimorphic, C2 inlined both kernels into one method, hit its node-count cutoff and
     * boxed their vectors (measured with DecodeKernelCpu running two types in one JVM; see docs/performance.md).
     */
    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        if (!GgmlBlocks.WIDE) {
            for (int r = from; r < to; r++) out[r + outShift] = dotRow(r, x);
            return;
        }
        int sum = cols / BLOCK * 32;
        float[] scales = GgmlBlocks.scaleScratch(sum + L);
        for (int r = from; r < to; r++) {
            unpackScales(r, scales);
            dotRowWide(r, x, scales, sum);
            out[r + outShift] = GgmlBlocks.sumLanes(FloatVector.fromArray(F, scales, sum));
        }
    }

    /**
     * {@link #dotRow} with 16 lanes, the same two chains in the same order (the same bits), cheaper: the bytes a chunk
     * position needs ({@code ql}, {@code ql + 32}, {@code qh}) are loaded once for the four quarters that share them,
     * a quarter's high bits come from two shifts shared by all four, and the scales from {@link #unpackScales}, a
     * separate pass (kept out of this loop so C2 inlines it whole). The two chains' sum is left at {@code scales[sum..]}.
     */
    private void dotRowWide(int row, float[] x, float[] scales, int sum) {
        FloatVector a = FloatVector.zero(F), b = a;
        long at = row * rowBytes;
        for (int i = 0, k = 0; i < cols; i += BLOCK, at += BYTES, k += 32) {
            // Chunk positions 0 and 16 of each half, alternately a's and b's: one call site, the accumulators swapped
            // after each (two quarters() calls in the loop body passed C2's node-count cutoff).
            for (int t = 0; t < 4; t++) {
                int h = (t >> 1) * 128, c = (t & 1) * 16;
                FloatVector next = quarters(at + h / 2 + c, at + QH + h / 4 + c, x, i + h + c, scales, k + h / 16 + c / 16, a);
                a = b;
                b = next;
            }
        }
        // The lane sum goes through memory to the caller: inlined here it passed C2's node-count cutoff, and a vector
        // passed to a call that is not inlined is boxed (an allocation per row).
        a.add(b).intoArray(scales, sum);
    }

    /**
     * Adds to {@code acc} the products of one 16-weight chunk position in each of a half's four quarters: with
     * {@code A = ql[l]}, {@code B = ql[l + 32]}, {@code H = qh[l]}, the quarters' 6-bit values are {@code A & 15 | H << 4 & 48},
     * {@code B & 15 | H << 2 & 48}, and sixteen times {@code A >> 4 | ..} and {@code B >> 4 | ..} left in place
     * ({@code A & 240 | H << 4 & 768}), scaled by {@code d*sc / 16}: {@code (16q - 512) * (d*sc/16)} is
     * {@code (q - 32) * d*sc} exactly, so every weight is the reference's.
     */
    private FloatVector quarters(long ql, long qh, float[] x, int p, float[] scales, int j, FloatVector acc) {
        IntVector lo = GgmlBlocks.ints(data, ql), hi = GgmlBlocks.ints(data, ql + 32), bits = GgmlBlocks.ints(data, qh);
        IntVector h4 = bits.lanewise(VectorOperators.LSHL, 4), h2 = bits.lanewise(VectorOperators.LSHL, 2);
        acc = weight(lo.and(LOW4).or(h4.and(HIGH2)).sub(OFFSET), scales[j]).fma(FloatVector.fromArray(F, x, p), acc);
        acc = weight(hi.and(LOW4).or(h2.and(HIGH2)).sub(OFFSET), scales[j + 2]).fma(FloatVector.fromArray(F, x, p + 32), acc);
        acc = weight(lo.and(LOW4_16).or(h4.and(HIGH2_16)).sub(OFFSET_16), scales[j + 20]).fma(FloatVector.fromArray(F, x, p + 64), acc);
        return weight(hi.and(LOW4_16).or(h2.and(HIGH2_16)).sub(OFFSET_16), scales[j + 22]).fma(FloatVector.fromArray(F, x, p + 96), acc);
    }

    // Lane constants as vectors: a scalar operand costs a broadcast per use in C2's parse, and the node count counts.
    private static final IntVector LOW4 = constant(0x0F), HIGH2 = constant(0x30), OFFSET = constant(32);
    private static final IntVector LOW4_16 = constant(0xF0), HIGH2_16 = constant(0x300), OFFSET_16 = constant(512);

    private static IntVector constant(int value) {
        return GgmlBlocks.VECTOR ? IntVector.broadcast(GgmlBlocks.I, value) : null;
    }

    private static FloatVector weight(IntVector q, float scale) {
        return GgmlBlocks.toFloat(q).mul(scale);
    }

    /**
     * Row {@code row}'s {@code d*sc} of super-block b's scale group g at {@code scales[32b + g]} and {@code d*sc / 16} at
     * {@code [32b + 16 + g]}: the same products as {@link #weights}' (dividing by 16 is exact).
     */
    private void unpackScales(int row, float[] scales) {
        long at = row * rowBytes;
        for (int i = 0, off = 0; i < cols; i += BLOCK, at += BYTES, off += 32) {
            FloatVector ds = GgmlBlocks.toFloat(GgmlBlocks.ints(data, at + SCALES)).mul(GgmlBlocks.half(data, at + D));
            ds.intoArray(scales, off);
            ds.mul(0.0625f).intoArray(scales, off + 16);
        }
    }

    /** Row {@code row} into {@code out[off..off + cols)} with the vector code of {@link #dotRow} (the same bits). */
    private void decodeRow(int row, float[] out, int off) {
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at + D);
            for (int s = 0; s < 8; s++) {
                for (int c = 0; c < 32; c += L) weights(at, s, c, d).intoArray(out, off + i + s * 32 + c);
            }
        }
    }

    /** Two accumulators (even and odd chunks of each quarter), in the same order per token as {@link #dotRow4}. */
    @Override
    public float dotRow(int row, float[] x) {
        if (!GgmlBlocks.VECTOR) return GgmlBlocks.scalarDot(this, row, x);
        FloatVector a = FloatVector.zero(F), b = a;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at + D);
            for (int s = 0; s < 8; s++) {
                for (int c = 0, p = i + s * 32; c < 32; c += 2 * L, p += 2 * L) {
                    a = weights(at, s, c, d).fma(FloatVector.fromArray(F, x, p), a);
                    b = weights(at, s, c + L, d).fma(FloatVector.fromArray(F, x, p + L), b);
                }
            }
        }
        return GgmlBlocks.sumLanes(a.add(b));
    }

    /** Each chunk is decoded once for four tokens (prefill); per token the sums are those of {@link #dotRow}. */
    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        if (!GgmlBlocks.VECTOR) {
            Matrix.super.dotRow4(row, xs, t0, outs, outRow);
            return;
        }
        float[] x0 = xs[t0], x1 = xs[t0 + 1], x2 = xs[t0 + 2], x3 = xs[t0 + 3];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at + D);
            for (int s = 0; s < 8; s++) {
                for (int c = 0, p = i + s * 32; c < 32; c += 2 * L, p += 2 * L) {
                    FloatVector w = weights(at, s, c, d), v = weights(at, s, c + L, d);
                    int q = p + L;
                    a0 = w.fma(FloatVector.fromArray(F, x0, p), a0);
                    b0 = v.fma(FloatVector.fromArray(F, x0, q), b0);
                    a1 = w.fma(FloatVector.fromArray(F, x1, p), a1);
                    b1 = v.fma(FloatVector.fromArray(F, x1, q), b1);
                    a2 = w.fma(FloatVector.fromArray(F, x2, p), a2);
                    b2 = v.fma(FloatVector.fromArray(F, x2, q), b2);
                    a3 = w.fma(FloatVector.fromArray(F, x3, p), a3);
                    b3 = v.fma(FloatVector.fromArray(F, x3, q), b3);
                }
            }
        }
        outs[t0][outRow] = GgmlBlocks.sumLanes(a0.add(b0));
        outs[t0 + 1][outRow] = GgmlBlocks.sumLanes(a1.add(b1));
        outs[t0 + 2][outRow] = GgmlBlocks.sumLanes(a2.add(b2));
        outs[t0 + 3][outRow] = GgmlBlocks.sumLanes(a3.add(b3));
    }

    /**
     * Weights {@code l .. l + L} of the 32-weight group {@code s} (half {@code s / 4}, quarter {@code s % 4}) of the
     * super-block at {@code at}, exactly as {@link #dequantizeRow}; a chunk lies within one 16-weight scale group.
     */
    private FloatVector weights(long at, int s, int l, float d) {
        int n = s >> 2, k = s & 3;
        IntVector q = GgmlBlocks.ints(data, at + n * 64L + (k & 1) * 32L + l);
        q = (k >= 2 ? q.lanewise(VectorOperators.LSHR, 4) : q).and(0x0F);
        IntVector high = GgmlBlocks.ints(data, at + QH + n * 32L + l).lanewise(VectorOperators.LSHR, 2 * k).and(3);
        q = q.or(high.lanewise(VectorOperators.LSHL, 4)).sub(32);
        float ds = d * scale(data, at + SCALES + n * 8L + 2 * k + l / 16);
        return GgmlBlocks.toFloat(q).mul(ds);
    }
}
