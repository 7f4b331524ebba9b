package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.safetensors.Dtypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MatrixKernelTest {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(7);

    @AfterEach
    void close() {
        arena.close();
    }

    /** Column counts around every vector/unroll boundary, so the tails are exercised whatever the vector width. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 15, 16, 17, 31, 63, 64, 65, 127, 200, 577})
    void f32MatrixAgreesWithScalarProducts(int cols) {
        int rows = 37;
        float[] w = randomArray(rows * cols);
        Matrix m = new F32Matrix(f32Segment(w), rows, cols);
        assertMatchesScalar(m, w, rows, cols);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 15, 16, 17, 31, 63, 64, 65, 127, 200, 577})
    void bf16MatrixAgreesWithScalarProductsOfTheRoundedWeights(int cols) {
        int rows = 37;
        float[] w = randomArray(rows * cols);
        MemorySegment seg = arena.allocate((long) w.length * 2);
        for (int i = 0; i < w.length; i++) {
            short bits = Dtypes.floatToBf16(w[i]);
            seg.setAtIndex(SHORT, i, bits);
            w[i] = Dtypes.bf16ToFloat(bits);
        }
        assertMatchesScalar(new Bf16Matrix(seg, rows, cols), w, rows, cols);
    }

    @Test
    void f16IsConvertedOnceIntoAnF32Copy() {
        int rows = 5, cols = 33;
        float[] w = randomArray(rows * cols);
        MemorySegment seg = arena.allocate((long) w.length * 2);
        for (int i = 0; i < w.length; i++) {
            short bits = Dtypes.floatToF16(w[i]);
            seg.setAtIndex(SHORT, i, bits);
            w[i] = Dtypes.f16ToFloat(bits);
        }
        Matrix m = Matrices.of(seg, StorageType.F16, rows, cols, arena);
        assertThat(m).isInstanceOf(F32Matrix.class);
        assertMatchesScalar(m, w, rows, cols);
    }

    @Test
    void largeMatVecSplitAcrossThreadsComputesEveryRow() {
        int rows = 3001, cols = 96;
        float[] w = randomArray(rows * cols);
        assertMatchesScalar(new F32Matrix(f32Segment(w), rows, cols), w, rows, cols);
    }

    @Test
    void stackedMatrixIsItsPartsRowAfterRow() {
        int cols = 19;
        float[] a = randomArray(3 * cols);
        float[] b = randomArray(5 * cols);
        float[] both = new float[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Matrix stacked = new StackedMatrix(java.util.List.of(new F32Matrix(f32Segment(a), 3, cols), new F32Matrix(f32Segment(b), 5, cols)));
        assertThat(stacked.rows()).isEqualTo(8);
        assertMatchesScalar(stacked, both, 8, cols);
        assertThatThrownBy(() -> stacked.dotRow(8, new float[cols])).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new StackedMatrix(java.util.List.of(new F32Matrix(f32Segment(a), 3, cols), new F32Matrix(f32Segment(b), 1, 5 * cols))))
                .hasMessageContaining("equal column counts, got 19 and 95");
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 96, 576})
    void q8MatrixStaysWithinHalfAStepOfTheWeightsAndComputesWithItsOwnValues(int cols) {
        int rows = 21;
        float[] w = randomArray(rows * cols);
        w[5] = 0; // an all-zero block must not divide by zero
        java.util.Arrays.fill(w, 0, 32, 0f);
        Matrix q = Q8Quantizer.quantize(new F32Matrix(f32Segment(w), rows, cols), arena);
        float[] dequantized = new float[rows * cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            q.copyRow(r, row);
            System.arraycopy(row, 0, dequantized, r * cols, cols);
        }
        for (int block = 0; block < rows * cols / Q8Quantizer.BLOCK; block++) {
            float amax = 0;
            for (int i = block * 32; i < block * 32 + 32; i++) amax = Math.max(amax, Math.abs(w[i]));
            for (int i = block * 32; i < block * 32 + 32; i++) {
                // Half a step, plus the F16 rounding of the scale (relative 2^-11) over up to 127 steps.
                assertThat(dequantized[i]).as("weight %d", i).isCloseTo(w[i], within(amax / 254f + amax / 2048f + 1e-7f));
            }
        }
        assertThat(java.util.Arrays.copyOf(dequantized, 32)).containsOnly(0f);
        assertMatchesScalar(q, dequantized, rows, cols);
    }

    @Test
    void q8RejectsRowsThatDoNotSplitIntoBlocks() {
        Matrix m = new F32Matrix(f32Segment(randomArray(2 * 48)), 2, 48);
        assertThat(Q8Quantizer.canQuantize(m)).isFalse();
        assertThatThrownBy(() -> Q8Quantizer.quantize(m, arena)).hasMessageContaining("48 columns");
    }

    @Test
    void rejectsDataOfTheWrongSize() {
        MemorySegment seg = arena.allocate(4 * 10);
        assertThatThrownBy(() -> new F32Matrix(seg, 3, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[3, 4]").hasMessageContaining("48 bytes, got 40");
        assertThatThrownBy(() -> new Bf16Matrix(seg, 3, 4)).hasMessageContaining("BF16 matrix [3, 4] needs 24 bytes, got 40");
        assertThatThrownBy(() -> new F32Matrix(seg, 0, 10)).hasMessageContaining("positive shape");
    }

    @Test
    void rejectsHeapSegmentsTheVectorApiCannotRead() {
        MemorySegment heap = MemorySegment.ofArray(new float[12]);
        assertThatThrownBy(() -> new F32Matrix(heap, 3, 4)).hasMessageContaining("native");
    }

    @Test
    void rejectsVectorsShorterThanTheMatrix() {
        Matrix m = new F32Matrix(f32Segment(randomArray(12)), 3, 4);
        assertThatThrownBy(() -> m.matVec(new float[3], new float[3])).hasMessageContaining("x has length 3, needs 4");
        assertThatThrownBy(() -> m.matVec(new float[4], new float[2])).hasMessageContaining("out has length 2, needs 3");
    }

    /** Prefill (dotRow4) and decode (dotRow) must agree bit for bit, or a reused KV cache would differ from a fresh one. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 127, 200, 577})
    void batchedProductsEqualSingleOnesBitForBit(int cols) {
        int rows = 9;
        float[] w = randomArray(rows * cols);
        MemorySegment bf16 = arena.allocate((long) w.length * 2);
        for (int i = 0; i < w.length; i++) bf16.setAtIndex(SHORT, i, Dtypes.floatToBf16(w[i]));
        Matrix f32 = new F32Matrix(f32Segment(w), rows, cols);
        java.util.List<Matrix> matrices = new java.util.ArrayList<>(java.util.List.of(f32, new Bf16Matrix(bf16, rows, cols),
                new StackedMatrix(java.util.List.of(f32, new Bf16Matrix(bf16, rows, cols)))));
        if (Q8Quantizer.canQuantize(f32)) matrices.add(Q8Quantizer.quantize(f32, arena));
        for (Matrix m : matrices) {
            int batch = 7;
            float[][] xs = new float[batch][];
            float[][] outs = new float[batch][m.rows()];
            for (int t = 0; t < batch; t++) xs[t] = randomArray(cols);
            m.matMul(xs, outs, batch);
            for (int t = 0; t < batch; t++) {
                float[] single = new float[m.rows()];
                m.matVec(xs[t], single);
                assertThat(outs[t]).as("%s, token %d", m.getClass().getSimpleName(), t).isEqualTo(single);
            }
        }
    }

    /**
     * Prefill's tiles (ROW_TILE rows widened once, four rows by four tokens in registers, scalar tails) against decode,
     * bit for bit, over matrices large enough that the pool splits their rows at points that are not tile boundaries,
     * stacked parts that start mid-tile, and batches that mix the register tiles: 13 tokens are two groups of six and
     * one left over, 64 are ten groups of six and one of four; a tile of 61 rows ends with one row outside the groups of
     * four. Rows of 1553 and 2051 columns are long rows with scalar tails.
     */
    @ParameterizedTest
    @ValueSource(ints = {17, 200, 576, 1553, 2051})
    void tiledPrefillEqualsDecodeAcrossTilesThreadsAndStackedParts(int cols) {
        float[] w = randomArray(61 * cols);
        MemorySegment bf16 = arena.allocate((long) w.length * 2);
        for (int i = 0; i < w.length; i++) bf16.setAtIndex(SHORT, i, Dtypes.floatToBf16(w[i]));
        Matrix f32 = new F32Matrix(f32Segment(w), 61, cols);
        Matrix b = new Bf16Matrix(bf16, 61, cols);
        Matrix stacked = new StackedMatrix(java.util.List.of(
                new Bf16Matrix(bf16.asSlice(0, 13L * cols * 2), 13, cols), f32, new Bf16Matrix(bf16, 61, cols)));
        for (Matrix m : java.util.List.of(f32, b, stacked)) {
            for (int batch : new int[] {4, 13, 64}) {
                float[][] xs = new float[batch][];
                float[][] outs = new float[batch][m.rows()];
                for (int t = 0; t < batch; t++) xs[t] = randomArray(cols);
                m.matMul(xs, outs, batch);
                for (int t = 0; t < batch; t++) {
                    float[] single = new float[m.rows()];
                    m.matVec(xs[t], single);
                    assertThat(outs[t]).as("%s, batch %d, token %d", m.getClass().getSimpleName(), batch, t).isEqualTo(single);
                    for (int r = 0; r < m.rows(); r++) assertThat(m.dotRow(r, xs[t])).isEqualTo(single[r]);
                }
            }
        }
    }

    @Test
    void aStackedMatrixRefusesRowsOutsideItself() {
        Matrix m = new StackedMatrix(java.util.List.of(new F32Matrix(f32Segment(randomArray(12)), 3, 4)));
        float[][] xs = {new float[4]}, outs = {new float[3]};
        assertThatThrownBy(() -> m.matMulRows(0, 4, xs, 1, outs, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> m.matMulRows(-1, 2, xs, 1, outs, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> m.matMulRows(2, 1, xs, 1, outs, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private void assertMatchesScalar(Matrix m, float[] w, int rows, int cols) {
        int batch = 6; // one group of four tokens sharing weight loads, then two single ones
        float[][] xs = new float[batch][];
        float[][] outs = new float[batch][rows];
        for (int t = 0; t < batch; t++) xs[t] = randomArray(cols);
        float[] single = new float[rows];
        m.matVec(xs[0], single);
        m.matMul(xs, outs, batch);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < batch; t++) {
                double expected = 0;
                for (int i = 0; i < cols; i++) expected += (double) w[r * cols + i] * xs[t][i];
                assertThat((double) outs[t][r]).as("row %d of x%d", r, t).isCloseTo(expected, within(1e-4 * Math.sqrt(cols)));
            }
            assertThat(single[r]).isCloseTo(outs[0][r], within(1e-5f * (float) Math.sqrt(cols)));
        }
        float[] row = new float[cols];
        m.copyRow(rows - 1, row);
        for (int i = 0; i < cols; i++) assertThat(row[i]).isEqualTo(w[(rows - 1) * cols + i]);
    }

    private MemorySegment f32Segment(float[] values) {
        MemorySegment seg = arena.allocate((long) values.length * 4);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(FLOAT, i, values[i]);
        return seg;
    }

    private float[] randomArray(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }
}
