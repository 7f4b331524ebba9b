package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Malformed GGUF files (the bugs Ollama and llama.cpp had) are refused with a GgufException that names the problem. */
class HostileGgufTest {

    private static final int F32 = 0;

    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "hostile", ".gguf"), bytes);
    }

    private void refused(byte[] bytes, String... messageParts) throws IOException {
        Path file = write(bytes);
        var thrown = assertThatThrownBy(() -> GgufFile.open(file).close()).isInstanceOf(GgufException.class)
                .hasMessageNotContaining(dir.toString());
        for (String part : messageParts) thrown.hasMessageContaining(part);
    }

    /** One tensor "t" of {@code dims} F32 at offset 0, with its data. */
    private static RawGguf oneTensor(long[] dims, int type, long offset, int dataBytes) {
        return RawGguf.header(3, 1, 0).tensor("t", dims, type, offset).align(32).zeros(dataBytes);
    }

    @Test
    void wrongMagicAndVersionsAreRefused() throws IOException {
        refused(new byte[0], "truncated");
        refused("GGML____________________".getBytes(), "bad magic");
        refused(RawGguf.header(1, 0, 0).toBytes(), "version 1 is not supported");
        refused(RawGguf.header(4, 0, 0).toBytes(), "version 4");
        refused(RawGguf.header(0x0300_0000, 0, 0).toBytes(), "big-endian");
        assertThat(GgufFile.open(write(RawGguf.header(2, 0, 0).toBytes())).version()).isEqualTo(2);
    }

    @Test
    void everyTruncationIsRefusedOrStillACompleteFile() throws IOException {
        GgufWriter writer = new GgufWriter().put("general.architecture", "llama")
                .put("k.arr", GgufValue.strings(java.util.List.of("a", "bc")))
                .put("k.f", GgufValue.float32s(new float[] {1, 2}))
                .tensor("a", new long[] {2, 4}, new float[8]).tensor("b", new long[] {3}, new float[3]);
        Path full = dir.resolve("full.gguf");
        writer.write(full);
        byte[] bytes = Files.readAllBytes(full);
        long needed;
        try (GgufFile file = GgufFile.open(full)) {
            needed = file.dataStart() + file.tensors().get("b").offset() + 12;
        }
        for (int length = 0; length < bytes.length; length++) {
            Path cut = write(Arrays.copyOf(bytes, length));
            if (length >= needed) {
                try (GgufFile file = GgufFile.open(cut)) {
                    assertThat(file.tensors()).hasSize(2);
                }
            } else {
                assertThatThrownBy(() -> GgufFile.open(cut).close()).as("cut at " + length).isInstanceOf(GgufException.class);
            }
        }
    }

    @Test
    void hugeCountsAreRefusedBeforeAnythingIsAllocated() throws IOException {
        refused(RawGguf.header(3, -1L, 0).toBytes(), "tensor count 18446744073709551615 exceeds");
        refused(RawGguf.header(3, 0, 1L << 40).toBytes(), "key count");
        refused(RawGguf.header(3, 0, 1).u64(-1L).toBytes(), "exceeds the cap");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.STRING.id()).u64((1 << 20) + 1).toBytes(),
                "exceeds the cap of 1048576");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.UINT8.id())
                .u64((1L << 24) + 1).toBytes(), "array of 16777217 items exceeds the cap of 16777216");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.STRING.id())
                .u64((1L << 16) + 1).toBytes(), "exceeds the cap of 65536");
        refused(RawGguf.header(3, 0, 1).string("tokenizer.ggml.tokens").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.STRING.id())
                .u64((1L << 20) + 1).toBytes(), "exceeds the cap of 1048576");
        // Within the caps, but more elements than the file holds.
        refused(RawGguf.header(3, 0, 1).string("tokenizer.ggml.tokens").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.STRING.id())
                .u64(1L << 20).toBytes(), "truncated");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.INT64.id())
                .u64(1L << 24).toBytes(), "truncated");
    }

    @Test
    void metadataAboveItsTotalCapIsRefused() throws IOException {
        RawGguf raw = RawGguf.header(3, 0, 65);
        String mebibyte = "x".repeat(1 << 20);
        for (int i = 0; i < 65; i++) raw.stringKey("k" + i, mebibyte);
        refused(raw.toBytes(), "metadata exceeds the cap of 67108864 bytes");
    }

    @Test
    void malformedValuesAreRefused() throws IOException {
        refused(RawGguf.header(3, 0, 1).string("k").i32(13).toBytes(), "unknown value type id 13");
        refused(RawGguf.header(3, 0, 1).string("k").i32(-1).toBytes(), "unknown value type id 4294967295");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.ARRAY.id()).u64(0).toBytes(),
                "nested arrays");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.BOOL.id()).bytes((byte) 2).toBytes(), "neither 0 nor 1");
        refused(RawGguf.header(3, 0, 1).string("k").i32(GgufValueType.ARRAY.id()).i32(GgufValueType.BOOL.id()).u64(2)
                .bytes((byte) 1, (byte) 7).toBytes(), "neither 0 nor 1");
        refused(RawGguf.header(3, 0, 1).u64(2).bytes((byte) 0xC3, (byte) 0x28).i32(GgufValueType.UINT8.id()).bytes((byte) 1).toBytes(),
                "not valid UTF-8");
        refused(RawGguf.header(3, 0, 2).u32Key("k", 1).u32Key("k", 2).toBytes(), "duplicate metadata key \"k\"");
        refused(RawGguf.header(3, 0, 1).string("k\n[forged] line").i32(13).toBytes(), "k\\u000a[forged]");
    }

    @Test
    void alignmentMustBeAPowerOfTwoUint32() throws IOException {
        refused(RawGguf.header(3, 0, 1).u32Key(GgufFile.ALIGNMENT_KEY, 24).toBytes(), "not a power of two");
        refused(RawGguf.header(3, 0, 1).u32Key(GgufFile.ALIGNMENT_KEY, 0).toBytes(), "not a power of two");
        refused(RawGguf.header(3, 0, 1).stringKey(GgufFile.ALIGNMENT_KEY, "32").toBytes(), "must be a UINT32");
    }

    @Test
    void tensorShapesAndTypesAreChecked() throws IOException {
        refused(oneTensor(new long[0], F32, 0, 0).toBytes(), "0 dimensions");
        refused(oneTensor(new long[] {1, 1, 1, 1, 1}, F32, 0, 4).toBytes(), "5 dimensions");
        refused(oneTensor(new long[] {4, 0}, F32, 0, 0).toBytes(), "dimension 1 is 0");
        refused(oneTensor(new long[] {-2}, F32, 0, 0).toBytes(), "dimension 0 is 18446744073709551614");
        refused(oneTensor(new long[] {1L << 32, 1L << 32}, F32, 0, 0).toBytes(), "element count overflows");
        refused(oneTensor(new long[] {1L << 61}, F32, 0, 0).toBytes(), "byte size overflows");
        refused(oneTensor(new long[] {4}, 3, 0, 16).toBytes(), "type Q4_1 (id 3) is not supported");
        refused(oneTensor(new long[] {4}, 999, 0, 16).toBytes(), "type unknown (id 999) is not supported");
        refused(oneTensor(new long[] {16}, 8, 0, 34).toBytes(), "do not fill whole Q8_0 blocks of 32");
        refused(RawGguf.header(3, 1, 0).tensor("t".repeat(257), new long[] {1}, F32, 0).toBytes(), "exceeds the cap of 256");
    }

    @Test
    void tensorDataMustLieAlignedInsideTheDataSectionWithoutOverlap() throws IOException {
        refused(oneTensor(new long[] {4}, F32, 8, 64).toBytes(), "offset 8 is not a multiple of the alignment 32");
        refused(oneTensor(new long[] {4}, F32, 0, 15).toBytes(), "extend past the 15-byte data section");
        refused(oneTensor(new long[] {4}, F32, 32, 40).toBytes(), "extend past");
        refused(oneTensor(new long[] {4}, F32, -32, 64).toBytes(), "not a multiple of the alignment");
        refused(oneTensor(new long[] {4}, F32, Long.MAX_VALUE - 31, 64).toBytes(), "extend past");
        refused(RawGguf.header(3, 2, 0).tensor("a", new long[] {16}, F32, 0).tensor("b", new long[] {4}, F32, 32)
                .align(32).zeros(128).toBytes(), "tensor \"b\" overlaps tensor \"a\"");
        refused(RawGguf.header(3, 2, 0).tensor("a", new long[] {4}, F32, 0).tensor("a", new long[] {4}, F32, 32)
                .align(32).zeros(64).toBytes(), "duplicate tensor name \"a\"");
        refused(RawGguf.header(3, 1, 0).tensor("a", new long[] {4}, F32, 0).toBytes(), "truncated");
    }

    @Test
    void aValidHandBuiltFileOpens() throws IOException {
        byte[] bytes = RawGguf.header(3, 2, 1).u32Key(GgufFile.ALIGNMENT_KEY, 64)
                .tensor("a", new long[] {32, 2}, 8, 0).tensor("b", new long[] {2}, F32, 128).align(64).zeros(136).toBytes();
        try (GgufFile file = GgufFile.open(write(bytes))) {
            assertThat(file.tensors().get("a").type()).isEqualTo(StorageType.Q8_0);
            assertThat(file.tensors().get("a").byteLength()).isEqualTo(68);
            assertThat(file.data("b").byteSize()).isEqualTo(8);
        }
    }
}
