package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

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
        if (!GgmlTiles.tiled(count)) {
            Matrix.super.matMulRows(from, to, xs, count, outs, outShift);
            return;
        }
        // This type's own row loop (see GgmlTiles.scratch): C2 inlines decodeRow whole into it.
        TileScratch s = GgmlTiles.scratch(cols, xs, count);
        for (int r0 = from; r0 < to; r0 += ROW_TILE) {
            int n = Math.min(ROW_TILE, to - r0);
            for (int r = 0; r < n; r++) decodeRow(r0 + r, s.buffer, s.tile + r * s.stride);
            GgmlTiles.multiply(s.buffer, s.tile, s.stride, n, cols, s.x, outs, count, outShift + r0, s.acc);
        }
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
        int perRow = cols / 16;
        float[] scales = GgmlBlocks.scaleScratch(2 * perRow + 2 * L);
        byte[] quants = GgmlBlocks.quantScratch(2 * cols);
        // the pair is half the range apart: neighbouring rows streamed from memory read slower (Bf16Matrix#matVecRows)
        int half = (to - from) / 2;
        for (int r = from; r < from + half; r++) {
            unpackRow(r, scales, 0, quants, 0);
            unpackRow(r + half, scales, perRow, quants, cols);
            dotRows2(x, scales, quants, perRow, 2);
            out[r + outShift] = GgmlBlocks.sumLanes(scales, 2 * perRow);
            out[r + half + outShift] = GgmlBlocks.sumLanes(scales, 2 * perRow + L);
        }
        for (int r = from + 2 * half; r < to; r++) {
            unpackRow(r, scales, 0, quants, 0);
            dotRows2(x, scales, quants, perRow, 1);
            out[r + outShift] = GgmlBlocks.sumLanes(scales, 2 * perRow);
        }
    }

    /**
     * {@link #dotRow} with 16 lanes for one or two rows unpacked by {@link #unpackRow} (the second at
     * {@code scales[perRow..]}, {@code quants[cols..]}): each chunk is {@code (q - 32) * d*sc}, the same product, in
     * the same two chains per row in the same order (the same bits); each activation load serves both rows. Whole rows
     * are unpacked first: a block at a time inside this loop, C2 boxed the vectors (2.2 weights/ns). The sums are left
     * at {@code scales[2 * perRow..]} for the caller (a vector passed to a call that is not inlined is boxed).
     */
    private void dotRows2(float[] x, float[] scales, byte[] quants, int perRow, int rowCount) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0;
        if (rowCount == 2) {
            for (int j = 0, p = 0; j < perRow; j += 2, p += 32) {
                FloatVector x0 = FloatVector.fromArray(F, x, p), x1 = FloatVector.fromArray(F, x, p + 16);
                a0 = chunk(quants, p, scales[j]).fma(x0, a0);
                b0 = chunk(quants, p + 16, scales[j + 1]).fma(x1, b0);
                a1 = chunk(quants, cols + p, scales[perRow + j]).fma(x0, a1);
                b1 = chunk(quants, cols + p + 16, scales[perRow + j + 1]).fma(x1, b1);
            }
            a1.add(b1).intoArray(scales, 2 * perRow + L);
        } else {
            for (int j = 0, p = 0; j < perRow; j += 2, p += 32) {
                a0 = chunk(quants, p, scales[j]).fma(FloatVector.fromArray(F, x, p), a0);
                b0 = chunk(quants, p + 16, scales[j + 1]).fma(FloatVector.fromArray(F, x, p + 16), b0);
            }
        }
        a0.add(b0).intoArray(scales, 2 * perRow);
    }

    /** Sixteen weights {@code (q - 32) * d*sc} from the unpacked bytes {@code q - 32} at {@code quants[at..]}: {@link #weights}' product. */
    private static FloatVector chunk(byte[] quants, int at, float scale) {
        IntVector q = (IntVector) ByteVector.fromArray(GgmlBlocks.B, quants, at).convertShape(VectorOperators.B2I, GgmlBlocks.I, 0);
        return GgmlBlocks.toFloat(q).mul(scale);
    }

    /**
     * Row {@code row}'s {@code d*sc} per 16 weights into {@code scales[off..]} and its 6-bit values {@code q - 32}, one
     * byte per weight in weight order, into {@code quants[qoff..]}. Sixty-four weights per lane operation: a half's 64
     * bytes of {@code ql} as sixteen int lanes give the low nibbles of its quarters 0 and 1 and the high nibbles of
     * quarters 2 and 3; its 32 bytes of {@code qh} repeated in both halves of a vector give their high bits with one
     * variable shift and a mask each (an int shift moves bits across bytes only where the mask clears them).
     */
    private void unpackRow(int row, float[] scales, int off, byte[] quants, int qoff) {
        long at = row * rowBytes;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES, off += 16, qoff += BLOCK) {
            GgmlBlocks.toFloat(GgmlBlocks.ints(data, at + SCALES)).mul(GgmlBlocks.half(data, at + D)).intoArray(scales, off);
            IntVector qh = IntVector.fromMemorySegment(GgmlBlocks.I, data, at + QH, ByteOrder.LITTLE_ENDIAN);
            for (int n = 0; n < 2; n++) {
                IntVector ql = IntVector.fromMemorySegment(GgmlBlocks.I, data, at + n * 64L, ByteOrder.LITTLE_ENDIAN);
                IntVector h = qh.rearrange(n == 0 ? QH_FIRST : QH_SECOND);
                IntVector low = ql.and(LOW4).or(h.lanewise(VectorOperators.LSHL, LOW_SHIFT).and(HIGH2));
                IntVector high = ql.lanewise(VectorOperators.LSHR, 4).and(LOW4).or(h.lanewise(VectorOperators.LSHR, HIGH_SHIFT).and(HIGH2));
                low.reinterpretAsBytes().sub((byte) 32).intoArray(quants, qoff + n * 128);
                high.reinterpretAsBytes().sub((byte) 32).intoArray(quants, qoff + n * 128 + 64);
            }
        }
    }

    // Per byte: ql's low nibble, and qh's bits 0-1 (quarter 0, lanes 0-7) or 2-3 (quarter 1) moved to bits 4-5; for
    // ql's high nibble qh's bits 4-5 (quarter 2) or 6-7 (quarter 3). Lane constants as vectors: a scalar operand costs a
    // broadcast per use in C2's parse, and the node count counts.
    private static final IntVector LOW4 = constant(0x0F0F0F0F), HIGH2 = constant(0x30303030);
    private static final IntVector LOW_SHIFT = lanes(4, 2), HIGH_SHIFT = lanes(0, 2);
    private static final VectorShuffle<Integer> QH_FIRST = GgmlBlocks.WIDE ? VectorShuffle.fromOp(GgmlBlocks.I, i -> i & 7) : null;
    private static final VectorShuffle<Integer> QH_SECOND = GgmlBlocks.WIDE ? VectorShuffle.fromOp(GgmlBlocks.I, i -> 8 + (i & 7)) : null;

    private static IntVector constant(int value) {
        return GgmlBlocks.VECTOR ? IntVector.broadcast(GgmlBlocks.I, value) : null;
    }

    /** {@code first} in lanes 0-7, {@code second} in lanes 8-15 (16 lanes only). */
    private static IntVector lanes(int first, int second) {
        return GgmlBlocks.WIDE ? IntVector.fromArray(GgmlBlocks.I, new int[] {first, first, first, first, first, first, first, first,
                second, second, second, second, second, second, second, second}, 0) : null;
    }

    /**
     * Row {@code row} into {@code out[off..off + cols)} in {@link GgmlTiles}' split layout (even chunks of L weights
     * in the first half, odd ones in the second), with the vector code of {@link #dotRow} (the same bits). The position
     * is computed here, not in a shared helper: in the model's JVM C2 left such a helper out of line (h6-q4kp).
     */
    private void decodeRow(int row, float[] out, int off) {
        long at = row * rowBytes;
        int half = cols / 2;
        for (int i = 0; i < cols; i += BLOCK, at += BYTES) {
            float d = GgmlBlocks.half(data, at + D);
            for (int s = 0; s < 8; s++) {
                for (int c = 0; c < 32; c += 2 * L) {
                    int e = off + ((i + s * 32 + c) >> 1);
                    weights(at, s, c, d).intoArray(out, e);
                    weights(at, s, c + L, d).intoArray(out, e + half);
                }
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
