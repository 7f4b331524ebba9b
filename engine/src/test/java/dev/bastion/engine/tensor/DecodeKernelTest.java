package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decode's one-token kernels ({@code matVec}/{@code matVecRows}, several rows per pass) against {@code dotRow}, bit for
 * bit: prefill's kernels are tested against {@code dotRow} too, so this is what keeps a token's logits independent of
 * whether it was decoded or prefilled.
 */
class DecodeKernelTest {

    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(11);

    @AfterEach
    void close() {
        arena.close();
    }

    /**
     * Row counts that leave every remainder after passes of two and four rows, row ranges that start off a pass
     * boundary and write at a shift, and a matrix large enough that the pool splits its rows across threads.
     */
    @ParameterizedTest
    @EnumSource(value = StorageType.class, names = {"F32", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void oneTokenKernelsEqualDotRowBitForBit(StorageType type) {
        // 577 and 593 columns: float types' vector loops end on a whole pair of vectors, or one vector after (and a tail).
        int[] colsCases = type.blockSize() == 1 ? new int[] {577, 593} : new int[] {3 * type.blockSize()};
        for (int cols : colsCases) for (int rows : new int[] {1, 2, 3, 5, 6, 7, 13, 523}) {
            Matrix m = matrix(type, rows, cols);
            float[] x = gaussian(cols);
            float[] out = new float[rows];
            m.matVec(x, out);
            for (int r = 0; r < rows; r++) assertSameBits(out[r], m.dotRow(r, x), type + " matVec row " + r + " of " + rows);
            if (rows < 5) continue;
            float[] shifted = new float[rows + 3];
            m.matVecRows(1, rows - 1, x, shifted, 3);
            for (int r = 1; r < rows - 1; r++) assertSameBits(shifted[r + 3], m.dotRow(r, x), type + " matVecRows row " + r);
            assertThat(shifted[3]).as("row 0 is outside the range").isZero();
        }
    }

    private Matrix matrix(StorageType type, int rows, int cols) {
        long weights = (long) rows * cols;
        MemorySegment data = switch (type) {
            case F32 -> {
                MemorySegment seg = arena.allocate(weights * 4, 64);
                for (long i = 0; i < weights; i++) seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) random.nextGaussian());
                yield seg;
            }
            case BF16 -> {
                MemorySegment seg = arena.allocate(weights * 2, 64);
                for (long i = 0; i < weights; i++) {
                    seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16));
                }
                yield seg;
            }
            default -> GgmlBlockFixtures.randomBlocks(type, weights, random, arena);
        };
        return Matrices.of(data, type, rows, cols, arena);
    }

    private float[] gaussian(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    private static void assertSameBits(float actual, float expected, String what) {
        assertThat(Float.floatToRawIntBits(actual)).as(what + ": " + actual + " vs " + expected).isEqualTo(Float.floatToRawIntBits(expected));
    }
}
