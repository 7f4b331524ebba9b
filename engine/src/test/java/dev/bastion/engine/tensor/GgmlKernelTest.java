package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The ggml block kernels: the scalar reference dequantizer against values recorded from the {@code gguf} Python
 * package (an independent implementation), and the Vector API products against that reference.
 */
class GgmlKernelTest {

    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(5);

    @AfterEach
    void close() {
        arena.close();
    }

    static Stream<StorageType> blockTypes() {
        return Stream.of(StorageType.Q8_0, StorageType.Q4_0, StorageType.Q4_K, StorageType.Q5_K, StorageType.Q6_K);
    }

    /** Every block type with row lengths of 1, 2, 3 and 7 blocks, so the per-block loops run whole and odd counts. */
    static Stream<Arguments> shapes() {
        return blockTypes().flatMap(type -> Stream.of(1, 2, 3, 7).map(blocks -> Arguments.of(type, blocks * type.blockSize())));
    }

    @ParameterizedTest
    @MethodSource("blockTypes")
    void referenceDequantizerMatchesTheGgufPythonPackageBitForBit(StorageType type) throws IOException {
        String name = type.name().toLowerCase(java.util.Locale.ROOT);
        float[] expected = GgmlBlockFixtures.floats(name + ".dequant.f32");
        MemorySegment blocks = GgmlBlockFixtures.nativeCopy(GgmlBlockFixtures.resource(name + ".blocks"), arena);
        int cols = 512;
        Matrix m = Matrices.of(blocks, type, expected.length / cols, cols, arena);
        float[] actual = GgmlBlockFixtures.dequantizeAll(m);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("%s weight %d: %s vs %s", type, i, actual[i], expected[i])
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void vectorDotRowAgreesWithTheScalarReference(StorageType type, int cols) {
        int rows = 13;
        Matrix m = Matrices.of(GgmlBlockFixtures.randomBlocks(type, (long) rows * cols, random, arena), type, rows, cols, arena);
        float[] w = GgmlBlockFixtures.dequantizeAll(m);
        float[] x = gaussian(cols);
        for (int r = 0; r < rows; r++) {
            double expected = 0, magnitude = 0;
            for (int c = 0; c < cols; c++) {
                expected += (double) w[r * cols + c] * x[c];
                magnitude += Math.abs((double) w[r * cols + c] * x[c]);
            }
            assertThat((double) m.dotRow(r, x)).as("%s row %d", type, r).isCloseTo(expected, within(magnitude * 1e-5 + 1e-7));
        }
    }

    /** Prefill (dotRow4, matMul) and decode (dotRow) must agree bit for bit, or a reused KV cache would differ. */
    @ParameterizedTest
    @MethodSource("shapes")
    void batchedProductsAreBitIdenticalToSingleTokenProducts(StorageType type, int cols) {
        int rows = 9, count = 7;
        Matrix m = Matrices.of(GgmlBlockFixtures.randomBlocks(type, (long) rows * cols, random, arena), type, rows, cols, arena);
        float[][] xs = new float[count][];
        float[][] outs = new float[count][rows];
        for (int t = 0; t < count; t++) xs[t] = gaussian(cols);
        m.matMul(xs, outs, count);
        for (int t = 0; t < count; t++) {
            for (int r = 0; r < rows; r++) assertThat(outs[t][r]).as("%s token %d row %d", type, t, r).isEqualTo(m.dotRow(r, xs[t]));
        }
    }

    /**
     * Decode's matVecRows (Q4_0 takes two rows per pass) must equal dotRow bit for bit for any row range, including a
     * range starting on an odd row, an odd count that leaves one row for the tail, and a shifted output.
     */
    @ParameterizedTest
    @MethodSource("shapes")
    void matVecRowsIsBitIdenticalToDotRowForAnyRowRange(StorageType type, int cols) {
        int rows = 11, shift = 3;
        Matrix m = Matrices.of(GgmlBlockFixtures.randomBlocks(type, (long) rows * cols, random, arena), type, rows, cols, arena);
        float[] x = gaussian(cols);
        for (int[] range : new int[][] {{0, rows}, {1, rows}, {3, 8}, {5, 6}}) {
            float[] out = new float[rows + shift];
            java.util.Arrays.fill(out, Float.NaN);
            m.matVecRows(range[0], range[1], x, out, shift);
            for (int r = 0; r < rows; r++) {
                int at = r + shift;
                if (r < range[0] || r >= range[1]) {
                    assertThat(out[at]).as("%s row %d outside [%d, %d) untouched", type, r, range[0], range[1]).isNaN();
                } else {
                    assertThat(Float.floatToRawIntBits(out[at])).as("%s row %d of [%d, %d)", type, r, range[0], range[1])
                            .isEqualTo(Float.floatToRawIntBits(m.dotRow(r, x)));
                }
            }
        }
        float[] whole = new float[rows];
        m.matVec(x, whole);
        for (int r = 0; r < rows; r++) assertThat(whole[r]).as("%s matVec row %d", type, r).isEqualTo(m.dotRow(r, x));
    }

    /**
     * Batches of {@link GgmlTiles#MIN_TOKENS} or more dequantize tiles of rows into scratch and run a float kernel; that
     * path must also match dotRow bit for bit. 21 rows are two whole tiles and a partial one, 19 tokens four groups of
     * four and a tail of three.
     */
    @ParameterizedTest
    @MethodSource("shapes")
    void tiledBatchesAreBitIdenticalToSingleTokenProducts(StorageType type, int cols) {
        int rows = 21, count = 19;
        Matrix m = Matrices.of(GgmlBlockFixtures.randomBlocks(type, (long) rows * cols, random, arena), type, rows, cols, arena);
        float[][] xs = new float[count][];
        float[][] outs = new float[count][rows];
        for (int t = 0; t < count; t++) xs[t] = gaussian(cols);
        m.matMul(xs, outs, count);
        for (int t = 0; t < count; t++) {
            for (int r = 0; r < rows; r++) {
                assertThat(Float.floatToRawIntBits(outs[t][r])).as("%s token %d row %d", type, t, r)
                        .isEqualTo(Float.floatToRawIntBits(m.dotRow(r, xs[t])));
            }
        }
    }

    /**
     * The kernels decode weights with their own vector code; fed one-hot activations, a product returns one weight, so
     * every weight the one-token (dotRow, decode's matVec) and the tiled paths use must be the reference dequantizer's,
     * bit for bit.
     */
    @ParameterizedTest
    @MethodSource("blockTypes")
    void kernelsSeeExactlyTheReferenceWeights(StorageType type) {
        int rows = 3, cols = 2 * type.blockSize();
        Matrix m = Matrices.of(GgmlBlockFixtures.randomBlocks(type, (long) rows * cols, random, arena), type, rows, cols, arena);
        float[] w = GgmlBlockFixtures.dequantizeAll(m);
        float[][] xs = new float[cols][cols];
        for (int t = 0; t < cols; t++) xs[t][t] = 1;
        float[][] outs = new float[cols][rows];
        m.matMul(xs, outs, cols);
        float[] decoded = new float[rows];
        for (int t = 0; t < cols; t++) {
            m.matVec(xs[t], decoded);
            for (int r = 0; r < rows; r++) {
                float expected = w[r * cols + t] + 0f; // the sum of products turns a -0 weight into +0
                assertThat(outs[t][r]).as("%s tiled weight [%d, %d]", type, r, t).isEqualTo(expected);
                assertThat(m.dotRow(r, xs[t])).as("%s weight [%d, %d]", type, r, t).isEqualTo(expected);
                assertThat(decoded[r]).as("%s decode weight [%d, %d]", type, r, t).isEqualTo(expected);
            }
        }
    }

    /** A stack of block types and BF16 sends each part's rows to its own batched kernel, at the part's offset. */
    @Test
    void aStackOfBlockTypesRunsEachPartsKernelAtItsOffset() {
        int cols = 512, count = 11;
        Matrix q4 = Matrices.of(GgmlBlockFixtures.randomBlocks(StorageType.Q4_0, 5L * cols, random, arena), StorageType.Q4_0, 5, cols, arena);
        MemorySegment bf16 = arena.allocate(3L * cols * Short.BYTES, 64);
        for (long i = 0; i < 3L * cols; i++) {
            bf16.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16));
        }
        Matrix bf = Matrices.of(bf16, StorageType.BF16, 3, cols, arena);
        Matrix q6 = Matrices.of(GgmlBlockFixtures.randomBlocks(StorageType.Q6_K, 10L * cols, random, arena), StorageType.Q6_K, 10, cols, arena);
        Matrix[] parts = {q4, bf, q6};
        Matrix stack = new StackedMatrix(java.util.List.of(q4, bf, q6));
        float[][] xs = new float[count][];
        for (int t = 0; t < count; t++) xs[t] = gaussian(cols);

        float[][] outs = new float[count][18];
        stack.matMul(xs, outs, count);
        for (int t = 0; t < count; t++) {
            int row = 0;
            for (Matrix part : parts) {
                for (int r = 0; r < part.rows(); r++, row++) {
                    assertThat(outs[t][row]).as("token %d stacked row %d", t, row).isEqualTo(part.dotRow(r, xs[t]));
                }
            }
        }

        // A window across all three parts, written at an offset: rows 3..14 land at 2..13 and nothing else is touched.
        float[][] window = new float[count][16];
        for (float[] w : window) java.util.Arrays.fill(w, Float.NaN);
        stack.matMulRows(3, 15, xs, count, window, -1);
        for (int t = 0; t < count; t++) {
            for (int i = 0; i < 16; i++) {
                if (i < 2 || i > 13) assertThat(window[t][i]).as("token %d untouched %d", t, i).isNaN();
                else assertThat(window[t][i]).as("token %d window %d", t, i).isEqualTo(outs[t][i + 1]);
            }
        }
        assertThatThrownBy(() -> stack.matMulRows(3, 19, xs, count, window, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> stack.matMulRows(-1, 4, xs, count, window, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aBatchThatDoesNotFitItsBuffersIsRejected() {
        Matrix m = Matrices.of(GgmlBlockFixtures.randomBlocks(StorageType.Q8_0, 4L * 64, random, arena), StorageType.Q8_0, 4, 64, arena);
        float[][] xs = new float[9][64];
        assertThatThrownBy(() -> m.matMul(xs, new float[9][3], 9)).hasMessageContaining("outs[0] has length 3, needs 4");
        assertThatThrownBy(() -> m.matMul(new float[9][63], new float[9][4], 9)).hasMessageContaining("xs[0] has length 63, needs 64");
        // (the scalar fallback of narrow-vector CPUs indexes past the end instead; either way nothing is computed)
        assertThatThrownBy(() -> m.matMul(xs, new float[8][4], 9))
                .isInstanceOfAny(IllegalArgumentException.class, IndexOutOfBoundsException.class);
    }

    @ParameterizedTest
    @EnumSource(value = StorageType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void blockTypesAreReadableAndRejectPartialBlocksAndWrongSizes(StorageType type) {
        assertThat(type.readable()).isTrue();
        MemorySegment seg = arena.allocate(type.bytesPerBlock() * 4L);
        assertThatThrownBy(() -> Matrices.of(seg, type, 2, type.blockSize() + 1, arena))
                .hasMessageContaining("do not fill whole blocks");
        assertThatThrownBy(() -> Matrices.of(seg, type, 3, type.blockSize(), arena))
                .hasMessageContaining("needs " + 3L * type.bytesPerBlock() + " bytes, got " + 4L * type.bytesPerBlock());
        MemorySegment heap = MemorySegment.ofArray(new byte[type.bytesPerBlock() * 4]);
        assertThatThrownBy(() -> Matrices.of(heap, type, 4, type.blockSize(), arena)).hasMessageContaining("native");
    }

    /** The kernels read Q4_K/Q5_K's packed scales as two words; every byte pattern must give get_scale_min_k4's values. */
    @Test
    void packedScaleWordsGiveTheReferenceScalesAndMins() {
        MemorySegment scales = arena.allocate(12);
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < 12; i++) scales.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
            if (round == 0) scales.fill((byte) 0xFF);
            long low = GgmlBlocks.packedLow(scales, 0);
            int high = GgmlBlocks.packedHigh(scales, 0);
            for (int j = 0; j < 8; j++) {
                assertThat(GgmlBlocks.scaleK4(low, high, j)).as("scale %d", j).isEqualTo(GgmlBlocks.scaleMinK4(scales, 0, j, 0));
                assertThat(GgmlBlocks.minK4(low, high, j)).as("min %d", j).isEqualTo(GgmlBlocks.scaleMinK4(scales, 0, j, 1));
            }
        }
    }

    @Test
    void anAllZeroScaleBlockGivesZerosAndNoNaN() {
        MemorySegment seg = GgmlBlockFixtures.randomBlocks(StorageType.Q8_0, 64, random, arena);
        seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0);
        Matrix m = Matrices.of(seg, StorageType.Q8_0, 1, 64, arena);
        float[] row = new float[64];
        m.copyRow(0, row);
        for (int i = 0; i < 32; i++) assertThat(Math.abs(row[i])).isZero(); // ggml gives -0.0 for negative quants too
        assertThat(m.dotRow(0, gaussian(64))).isFinite();
    }

    private float[] gaussian(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
        return x;
    }
}
