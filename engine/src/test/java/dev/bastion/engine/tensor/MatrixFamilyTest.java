package dev.bastion.engine.tensor;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.safetensors.Dtypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every {@link Matrix} implementation checked against itself as one family: the four-token kernel against the
 * single-row one, and the row copy against dot products with unit vectors, over sizes that leave vector tails.
 */
class MatrixFamilyTest {

    /** Every way the engine holds a weight matrix. */
    enum Kind { F32, BF16, F16, Q8, STACKED, STACKED_Q8 }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Around every vector and unroll boundary for any vector width up to 512 bits. */
    private static final int[] ODD_COLUMNS = {1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 577};
    /** Q8_0 rows are whole 32-weight blocks: one, an odd number, and more than an unrolled step. */
    private static final int[] BLOCK_COLUMNS = {32, 96, 160, 576};

    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(11);

    @AfterEach
    void close() {
        arena.close();
    }

    static Stream<Arguments> matrices() {
        return Arrays.stream(Kind.values()).flatMap(kind -> {
            boolean blocks = kind == Kind.Q8 || kind == Kind.STACKED_Q8;
            return Arrays.stream(blocks ? BLOCK_COLUMNS : ODD_COLUMNS).mapToObj(cols -> Arguments.of(kind, 5, cols));
        });
    }

    @ParameterizedTest(name = "{0} [{1} x {2}]")
    @MethodSource("matrices")
    void dotRow4AgreesWithDotRowAndWritesOnlyItsFourTokens(Kind kind, int rows, int cols) {
        Matrix m = build(kind, rows, cols);
        int tokens = 7;
        float[][] xs = new float[tokens][];
        for (int t = 0; t < tokens; t++) xs[t] = gaussian(cols);
        for (int t0 : new int[] {0, 3}) {
            float[][] outs = new float[tokens][rows];
            for (float[] out : outs) Arrays.fill(out, Float.NaN);
            for (int r = 0; r < rows; r++) m.dotRow4(r, xs, t0, outs, r);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    if (t < t0 || t >= t0 + 4) {
                        assertThat(outs[t][r]).as("token %d outside the four", t).isNaN();
                        continue;
                    }
                    float single = m.dotRow(r, xs[t]);
                    // Another summation order: equal up to rounding, relative to the size of the terms.
                    assertThat(outs[t][r]).as("%s row %d token %d", kind, r, t)
                            .isCloseTo(single, within(1e-5f * magnitude(m, r, xs[t])));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} [{1} x {2}]")
    @MethodSource("matrices")
    void copyRowIsTheDotProductWithEachUnitVector(Kind kind, int rows, int cols) {
        Matrix m = build(kind, rows, cols);
        float[] row = new float[cols];
        float[][] units = new float[4][cols];
        float[][] outs = new float[4][rows];
        for (int r = 0; r < rows; r++) {
            m.copyRow(r, row);
            for (int i = 0; i < cols; i++) {
                // The vector body's first unrolled steps and the whole tail; the columns between repeat the body.
                if (i >= 128 && i < cols - 64) continue;
                float[] unit = new float[cols];
                unit[i] = 1;
                // Products with 0 and 1 are exact, so every kernel must give the stored weight bit for bit.
                assertThat(m.dotRow(r, unit)).as("%s row %d column %d", kind, r, i).isEqualTo(row[i]);
            }
            for (int i = 0; i + 4 <= cols; i += 4) {
                for (int t = 0; t < 4; t++) {
                    Arrays.fill(units[t], 0);
                    units[t][i + t] = 1;
                }
                m.dotRow4(r, units, 0, outs, r);
                for (int t = 0; t < 4; t++) assertThat(outs[t][r]).as("%s row %d column %d", kind, r, i + t).isEqualTo(row[i + t]);
            }
        }
    }

    /** Each storage format has its own four-token kernel: the default would read every weight four times. */
    @ParameterizedTest
    @ValueSource(classes = {F32Matrix.class, Bf16Matrix.class, GgmlQ8_0Matrix.class, StackedMatrix.class})
    void everyImplementationReadsEachWeightOnceForFourTokens(Class<? extends Matrix> type) throws NoSuchMethodException {
        assertThat(type.getDeclaredMethod("dotRow4", int.class, float[][].class, int.class, float[][].class, int.class)).isNotNull();
    }

    private Matrix build(Kind kind, int rows, int cols) {
        return switch (kind) {
            case F32 -> new F32Matrix(f32(gaussian(rows * cols)), rows, cols);
            case BF16 -> new Bf16Matrix(halves(gaussian(rows * cols), Dtypes::floatToBf16), rows, cols);
            case F16 -> Matrices.of(halves(gaussian(rows * cols), Dtypes::floatToF16), StorageType.F16, rows, cols, arena);
            case Q8 -> Q8Quantizer.quantize(build(Kind.F32, rows, cols), arena);
            // Parts of different storage, split at an odd row, as q/k/v and gate/up are stacked.
            case STACKED -> new StackedMatrix(List.of(build(Kind.BF16, 3, cols), build(Kind.F32, rows - 3, cols)));
            case STACKED_Q8 -> new StackedMatrix(List.of(build(Kind.Q8, 2, cols), build(Kind.BF16, rows - 2, cols)));
        };
    }

    /** The sum of |w·x| terms of a row: the scale of a float dot product's rounding error. */
    private static float magnitude(Matrix m, int r, float[] x) {
        float[] row = new float[m.cols()];
        m.copyRow(r, row);
        return (float) IntStream.range(0, row.length).mapToDouble(i -> Math.abs(row[i] * x[i])).sum() + 1e-6f;
    }

    private MemorySegment f32(float[] values) {
        MemorySegment seg = arena.allocate((long) values.length * Float.BYTES);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(FLOAT, i, values[i]);
        return seg;
    }

    private interface HalfEncoding {
        short encode(float value);
    }

    private MemorySegment halves(float[] values, HalfEncoding encoding) {
        MemorySegment seg = arena.allocate((long) values.length * Short.BYTES);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(SHORT, i, encoding.encode(values[i]));
        return seg;
    }

    private float[] gaussian(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }
}
