package dev.bastion.engine.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SafeTensorsRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void f32RoundTripIsExactIncludingSpecialValues() throws IOException {
        float[] values = {0f, -0f, 1.5f, -3.25e-3f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN};
        Path file = dir.resolve("f32.safetensors");
        SafeTensorsWriter.builder().add("w", DType.F32, new long[] {2, 4}, values).write(file);

        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            TensorInfo info = st.tensors().get("w");
            assertThat(info.dtype()).isEqualTo(DType.F32);
            assertThat(info.shape()).containsExactly(2, 4);
            assertThat(info.elementCount()).isEqualTo(8);
            assertThat(info.byteLength()).isEqualTo(32);
            float[] read = st.readFloats("w");
            for (int i = 0; i < values.length; i++) {
                assertThat(Float.floatToRawIntBits(read[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(values[i]));
            }
        }
    }

    @Test
    void f16RoundTripIsWithinHalfPrecision() throws IOException {
        float[] values = {1f / 3, -2.5f, 1000.1f, 6.1e-5f, 0f};
        Path file = dir.resolve("f16.safetensors");
        SafeTensorsWriter.builder().add("h", DType.F16, new long[] {5}, values).write(file);

        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            float[] read = st.readFloats("h");
            for (int i = 0; i < values.length; i++) {
                // F16 keeps 11 significant bits: relative error at most 2^-11.
                assertThat(read[i]).isCloseTo(values[i], within(Math.abs(values[i]) * 0x1p-11f));
            }
            // 1/3 rounds to 0x3555 = 0.333251953125.
            assertThat(read[0]).isEqualTo(0.333251953125f);
            assertThat(st.data("h").get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0)).isEqualTo((short) 0x3555);
        }
    }

    @Test
    void bf16RoundTripIsWithinBfloatPrecisionAndRoundsHalfToEven() throws IOException {
        float[] values = {
                1f + 0x1p-8f,               // exactly between 1.0 (0x3F80) and 1.0078125 (0x3F81): even is 0x3F80
                1f + 3 * 0x1p-8f,           // between 0x3F81 and 0x3F82 (1.015625): even is 0x3F82
                1f + 0x1p-8f + 0x1p-20f,    // just above the half: rounds up to 0x3F81
                -123.456f, 3.14159f};
        Path file = dir.resolve("bf16.safetensors");
        SafeTensorsWriter.builder().add("b", DType.BF16, new long[] {values.length}, values).write(file);

        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            float[] read = st.readFloats("b");
            assertThat(read[0]).isEqualTo(1.0f);
            assertThat(read[1]).isEqualTo(1.015625f);
            assertThat(read[2]).isEqualTo(1.0078125f);
            for (int i = 0; i < values.length; i++) {
                assertThat(read[i]).isCloseTo(values[i], within(Math.abs(values[i]) * 0x1p-8f));
            }
            MemorySegment raw = st.data("b");
            assertThat(raw.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0)).isEqualTo((short) 0x3F80);
            assertThat(raw.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2)).isEqualTo((short) 0x3F82);
        }
    }

    @Test
    void metadataAndTensorOrderSurvive() throws IOException {
        Path file = dir.resolve("meta.safetensors");
        SafeTensorsWriter.builder()
                .add("z.last", DType.F32, new long[] {1}, new float[] {1})
                .add("a.first", DType.BF16, new long[] {}, new float[] {2})
                .add("empty", DType.F16, new long[] {0, 3}, new float[0])
                .metadata("format", "pt").metadata("note", "ünïcode ✓")
                .write(file);

        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            assertThat(st.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "ünïcode ✓"));
            assertThat(st.tensors().keySet()).containsExactly("z.last", "a.first", "empty");
            assertThat(st.readFloats("a.first")).containsExactly(2f);
            assertThat(st.readFloats("empty")).isEmpty();
            assertThat(st.path()).isEqualTo(file);
        }
        // The header is padded so tensor data starts 8-byte aligned, as the official writer does.
        long headerLength = java.nio.ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
    }

    @Test
    void handBuiltFileIsReadPerSpec() throws IOException {
        String header = """
                {"__metadata__":{"source":"hand"},
                 "half":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},
                 "full":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "brain":{"dtype":"BF16","shape":[1,2],"data_offsets":[12,16]}}""";
        byte[] data = RawSafeTensors.concat(
                RawSafeTensors.littleEndianFloats(0.5f, -7f),
                RawSafeTensors.littleEndianShorts(0x3C00, 0xC000),    // F16 1.0, -2.0
                RawSafeTensors.littleEndianShorts(0x3F80, 0x4049));   // BF16 1.0, 3.140625
        Path file = RawSafeTensors.write(dir, "hand.safetensors", header, data);

        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            assertThat(st.metadata()).containsExactly(Map.entry("source", "hand"));
            assertThat(st.tensors().keySet()).as("data order").containsExactly("full", "half", "brain");
            assertThat(st.tensors().get("half")).isEqualTo(new TensorInfo("half", DType.F16, new long[] {2}, 8, 4));
            assertThat(st.readFloats("full")).containsExactly(0.5f, -7f);
            assertThat(st.readFloats("half")).containsExactly(1f, -2f);
            assertThat(st.readFloats("brain")).containsExactly(1f, 3.140625f);

            MemorySegment segment = st.data("half");
            assertThat(segment.byteSize()).isEqualTo(4);
            assertThat(segment.isReadOnly()).isTrue();
            assertThat(segment.isMapped()).isTrue();
        }
    }

    @Test
    void unknownTensorAndClosedFileFailClearly() throws IOException {
        Path file = dir.resolve("one.safetensors");
        SafeTensorsWriter.builder().add("w", DType.F32, new long[] {1}, new float[] {1}).write(file);
        SafeTensorsFile st = SafeTensorsFile.open(file);
        assertThatThrownBy(() -> st.readFloats("nope")).hasMessageContaining("nope").hasMessageContaining(file.toString());
        MemorySegment segment = st.data("w");
        st.close();
        st.close();
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tensorInfoCopiesItsShape() {
        long[] shape = {2, 3};
        TensorInfo info = new TensorInfo("t", DType.F32, shape, 0, 24);
        shape[0] = 99;
        info.shape()[1] = 99;
        assertThat(info.shape()).containsExactly(2, 3);
    }

    @Test
    void writerRejectsInconsistentInput() {
        SafeTensorsWriter writer = SafeTensorsWriter.builder().add("a", DType.F32, new long[] {1}, new float[] {1});
        assertThatThrownBy(() -> writer.add("a", DType.F32, new long[] {1}, new float[] {1})).hasMessageContaining("\"a\" added twice");
        assertThatThrownBy(() -> writer.add("b", DType.F32, new long[] {2, 2}, new float[3])).hasMessageContaining("[2, 2]");
        assertThatThrownBy(() -> writer.add("__metadata__", DType.F32, new long[] {1}, new float[1])).hasMessageContaining("reserved");
    }

    @Test
    void writeReplacesExistingFileAndLeavesNoTemporaries() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensorsWriter.builder().add("old", DType.F32, new long[] {1}, new float[] {1}).write(file);
        SafeTensorsWriter.builder().add("new", DType.F32, new long[] {1}, new float[] {2}).write(file);
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            assertThat(st.tensors().keySet()).containsExactly("new");
        }
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }
}
