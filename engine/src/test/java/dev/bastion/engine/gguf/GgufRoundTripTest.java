package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyMetadataTypeAndTensorTypeReadsBackAsWritten() throws IOException {
        Map<String, GgufValue> values = Map.ofEntries(
                Map.entry("u8", new GgufValue(GgufValueType.UINT8, null, 200L)),
                Map.entry("i8", new GgufValue(GgufValueType.INT8, null, -100L)),
                Map.entry("u16", new GgufValue(GgufValueType.UINT16, null, 60000L)),
                Map.entry("i16", new GgufValue(GgufValueType.INT16, null, -30000L)),
                Map.entry("u32", GgufValue.uint32(4_000_000_000L)),
                Map.entry("i32", GgufValue.int32(-7)),
                Map.entry("u64", GgufValue.uint64(-1L)),
                Map.entry("i64", new GgufValue(GgufValueType.INT64, null, Long.MIN_VALUE)),
                Map.entry("f32", GgufValue.float32(1.5f)),
                Map.entry("f64", new GgufValue(GgufValueType.FLOAT64, null, Math.PI)),
                Map.entry("bool", GgufValue.bool(true)),
                Map.entry("str", GgufValue.of("héllo ✓")),
                Map.entry("empty", GgufValue.of("")),
                Map.entry("strs", GgufValue.strings(List.of("a", "", "Ġb"))),
                Map.entry("floats", GgufValue.float32s(new float[] {1f, -2f, Float.NaN})),
                Map.entry("ints", GgufValue.int32s(new int[] {1, 2, 3})),
                Map.entry("bools", new GgufValue(GgufValueType.ARRAY, GgufValueType.BOOL, new byte[] {0, 1})),
                Map.entry("u16s", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT16, new short[] {-1, 5})),
                Map.entry("i64s", new GgufValue(GgufValueType.ARRAY, GgufValueType.INT64, new long[] {Long.MAX_VALUE})),
                Map.entry("f64s", new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT64, new double[] {0.25})),
                Map.entry("none", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT8, new byte[0])));
        GgufWriter writer = new GgufWriter();
        values.forEach(writer::put);
        float[] matrix = {1, 2, 3, 4, 5, 6};
        byte[] q8 = new byte[2 * 34];
        for (int i = 0; i < q8.length; i++) q8[i] = (byte) (i * 7);
        writer.tensor("m", new long[] {2, 3}, matrix)
                .tensor("h", StorageType.F16, new long[] {3}, MemorySegment.ofArray(new short[] {0x3C00, 0x4000, 0x4200}))
                .tensor("q", StorageType.Q8_0, new long[] {2, 32}, MemorySegment.ofArray(q8))
                .tensor("b", StorageType.BF16, new long[] {1, 1, 1, 2}, MemorySegment.ofArray(new short[] {0x3F80, 0x4000}));
        Path file = dir.resolve("all.gguf");
        writer.write(file);

        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.version()).isEqualTo(3);
            assertThat(gguf.alignment()).isEqualTo(32);
            assertThat(gguf.metadata()).isEqualTo(values);
            assertThat(gguf.tensors().keySet()).containsExactly("m", "h", "q", "b");
            GgufTensor m = gguf.tensors().get("m");
            assertThat(m.dims()).containsExactly(3, 2);
            assertThat(m.shape()).containsExactly(2, 3);
            assertThat(m.type()).isEqualTo(StorageType.F32);
            assertThat(gguf.data("m").toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN))).containsExactly(matrix);
            assertThat(gguf.data("q").toArray(ValueLayout.JAVA_BYTE)).containsExactly(q8);
            assertThat(gguf.tensors().get("b").shape()).containsExactly(1, 1, 1, 2);
            for (GgufTensor t : gguf.tensors().values()) {
                assertThat((gguf.dataStart() + t.offset()) % 32).as(t.name()).isZero();
            }
        }
    }

    @Test
    void customAlignmentIsHonoured() throws IOException {
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter().put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(256))
                .tensor("a", new long[] {3}, new float[] {1, 2, 3})
                .tensor("b", new long[] {1}, new float[] {4})
                .write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThat(gguf.alignment()).isEqualTo(256);
            assertThat(gguf.dataStart() % 256).isZero();
            assertThat(gguf.tensors().get("b").offset()).isEqualTo(256);
        }
        assertThat(Files.size(file) % 256).isZero();
    }

    @Test
    void writerRefusesWhatTheReaderWouldRefuse() {
        GgufWriter writer = new GgufWriter().put("k", "v");
        assertThatThrownBy(() -> writer.put("k", "w")).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> writer.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(24))).hasMessageContaining("power of two");
        assertThatThrownBy(() -> writer.tensor("t", new long[] {2, 0}, new float[0])).hasMessageContaining("positive");
        assertThatThrownBy(() -> writer.tensor("t", new long[] {3}, new float[2])).hasMessageContaining("needs");
        assertThatThrownBy(() -> writer.tensor("t", StorageType.Q8_0, new long[] {16}, MemorySegment.ofArray(new byte[17])))
                .hasMessageContaining("blocks");
        assertThatThrownBy(() -> new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY, new Object[0]))
                .hasMessageContaining("nested");
    }
}
