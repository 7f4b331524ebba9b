package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * What the ggml block kernels share: the vector shapes, size checks and the F16/byte readers. The kernels decode
 * chunks of {@link #L} weights that never straddle a 16-weight group (the finest scale granularity, Q6_K's), so
 * they need 8 or 16 float lanes; other CPUs take the scalar path.
 */
final class GgmlBlocks {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** One byte per float lane, so a byte vector converts to exactly one float vector. */
    static final VectorSpecies<Byte> B = L == 8 || L == 16 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    static final boolean VECTOR = B != null;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorShuffle<Float>[] HALVES = halvingShuffles();
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgmlBlocks() {}

    /** Checks that {@code data} holds exactly {@code rows} rows of whole {@code type} blocks, in native memory. */
    static MemorySegment requireBlocks(MemorySegment data, StorageType type, int rows, int cols) {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException(type + " matrix must have positive shape, got [" + rows + ", " + cols + "]");
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " matrix rows of " + cols + " weights do not fill whole blocks of " + type.blockSize());
        }
        long expected = type.bytesFor((long) rows * cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(type + " matrix [" + rows + ", " + cols + "] needs " + expected + " bytes, got " + data.byteSize());
        }
        if (!data.isNative()) throw new IllegalArgumentException(type + " matrix data must be a native (mapped or off-heap) segment");
        return MatrixChecks.oneClass(data);
    }

    static float half(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(HALF, at));
    }

    static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    static ByteVector bytes(MemorySegment data, long at) {
        return ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * {@code L} bytes from {@code at}, sign-extended into int lanes. Nibbles and bit fields are cut from these with int
     * shifts and masks: x86 has no byte-lane shift, so a ByteVector shift costs several instructions per use.
     */
    static IntVector ints(MemorySegment data, long at) {
        return (IntVector) bytes(data, at).convertShape(VectorOperators.B2I, I, 0);
    }

    /** Integer lanes to float, exactly (they are small). */
    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** The Q4_K/Q5_K 6-bit scale ({@code which == 0}) or min ({@code which == 1}) of sub-block {@code j}: ggml's get_scale_min_k4. */
    static int scaleMinK4(MemorySegment data, long scales, int j, int which) {
        if (j < 4) return u8(data, scales + j + 4L * which) & 63;
        int low = which == 0 ? u8(data, scales + j + 4) & 0xF : u8(data, scales + j + 4) >> 4;
        return low | (u8(data, scales + j - 4L * (1 - which)) >> 6) << 4;
    }

    /** Bytes 0..7 of a Q4_K/Q5_K super-block's 12 packed scale bytes at {@code scales}, for {@link #scaleK4} and {@link #minK4}. */
    static long packedLow(MemorySegment data, long scales) {
        return data.get(LONG, scales);
    }

    /** Bytes 8..11 of the packed scale bytes. */
    static int packedHigh(MemorySegment data, long scales) {
        return data.get(INT, scales + 8);
    }

    /** {@link #scaleMinK4}'s scale of sub-block {@code j} from the packed words: two reads per super-block instead of a few per sub-block. */
    static int scaleK4(long low, int high, int j) {
        if (j < 4) return (int) (low >>> 8 * j) & 63;
        return high >>> 8 * (j - 4) & 0xF | ((int) (low >>> 8 * (j - 4) + 6) & 3) << 4;
    }

    /** {@link #scaleMinK4}'s min of sub-block {@code j} from the packed words. */
    static int minK4(long low, int high, int j) {
        if (j < 4) return (int) (low >>> 8 * (j + 4)) & 63;
        return high >>> 8 * (j - 4) + 4 & 0xF | ((int) (low >>> 8 * j + 6) & 3) << 4;
    }

    /**
     * Per-thread room for the decode kernels' per-super-block scales, unpacked by lane operations into memory and
     * read back one broadcast at a time (a load, where taking a lane out of a register costs a permute); reused, so decode allocates nothing.
     */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's scale scratch of at least {@code floats} floats. */
    static float[] scaleScratch(int floats) {
        float[] scratch = SCALES.get();
        if (scratch.length < floats) {
            scratch = new float[floats];
            SCALES.set(scratch);
        }
        return scratch;
    }

    private static final ThreadLocal<byte[]> QUANTS = ThreadLocal.withInitial(() -> new byte[0]);

    /** This thread's room for a decode kernel's unpacked quants, one byte per weight, of at least {@code bytes}; reused. */
    static byte[] quantScratch(int bytes) {
        byte[] scratch = QUANTS.get();
        if (scratch.length < bytes) {
            scratch = new byte[bytes];
            QUANTS.set(scratch);
        }
        return scratch;
    }

    /** Whether the 16-lane decode kernels (AVX-512) run: a 32-weight sub-block is then exactly two chunks. */
    static final boolean WIDE = L == 16;
    private static final VectorShuffle<Integer> K4_LOW = WIDE
            ? VectorShuffle.fromArray(I, new int[] {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11}, 0) : null;
    private static final VectorShuffle<Integer> K4_HIGH = WIDE
            ? VectorShuffle.fromArray(I, new int[] {0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7}, 0) : null;
    private static final IntVector K4_LOW_SHIFT = WIDE ? IntVector.fromArray(I, new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4}, 0) : null;
    private static final IntVector K4_LOW_MASK = WIDE
            ? IntVector.fromArray(I, new int[] {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15}, 0) : null;
    private static final IntVector K4_HIGH_MASK = WIDE
            ? IntVector.fromArray(I, new int[] {0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0}, 0) : null;

    /**
     * {@link #scaleK4} of sub-blocks 0..7 in lanes 0..7 and {@link #minK4} in lanes 8..15, from the packed bytes at
     * {@code scales} (16 lanes only; reads 16 bytes, the 12 packed ones and 4 of the super-block's quants): a handful
     * of lane operations per super-block instead of some hundred scalar ones.
     */
    static IntVector scalesAndMinsK4(MemorySegment data, long scales) {
        IntVector b = ints(data, scales);
        IntVector low = b.rearrange(K4_LOW).lanewise(VectorOperators.LSHR, K4_LOW_SHIFT).and(K4_LOW_MASK);
        return low.or(b.rearrange(K4_HIGH).and(K4_HIGH_MASK).lanewise(VectorOperators.LSHR, 2));
    }

    /** A fixed pairwise lane sum, so results do not change between the interpreter and the JIT (see VectorMath.sumLanes). */
    static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> half : HALVES) v = v.add(v.rearrange(half));
        return v.lane(0);
    }

    /**
     * {@link #sumLanes(FloatVector)} of the {@code L} floats at {@code v[off..]} in scalar code: the same adds of the same
     * operands in the same order (lane {@code i} plus lane {@code i + h} for {@code h = L/2, L/4, .., 1}), so the same
     * bits. For decode's per-row sums: a vector passed to a call C2 does not inline is boxed, and in
     * {@code GgmlQ6KMatrix.matVecRows} the vector form's calls failed to inline (NodeCountInliningCutoff) in every JVM.
     * Overwrites {@code v[off..off + L/2)}.
     */
    static float sumLanes(float[] v, int off) {
        for (int h = L / 2; h > 0; h >>= 1) {
            for (int i = 0; i < h; i++) v[off + i] += v[off + i + h];
        }
        return v[off];
    }

    /** The scalar fallback: the reference dequantization of the row, summed in order. */
    static float scalarDot(Matrix m, int row, float[] x) {
        float[] w = new float[m.cols()];
        m.copyRow(row, w);
        float sum = 0;
        for (int i = 0; i < w.length; i++) sum += w[i] * x[i];
        return sum;
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halvingShuffles() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] shuffles = new VectorShuffle[steps];
        for (int k = 0; k < steps; k++) {
            int shift = L >> (k + 1);
            shuffles[k] = VectorShuffle.fromOp(F, i -> (i + shift) % L);
        }
        return shuffles;
    }
}
