package dev.bastion.engine.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static dev.bastion.engine.safetensors.RawSafeTensors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Malformed files must each be rejected with a {@link SafeTensorsException} that says what is wrong, and where. */
class HostileSafeTensorsTest {

    @TempDir
    Path dir;

    private static final byte[] EIGHT_BYTES = new byte[8];

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    static Stream<Arguments> malformedHeaders() {
        return Stream.of(
                arguments("truncated JSON", "{\"w\":{\"dtype\":\"F32\"", EIGHT_BYTES, "header is not valid JSON"),
                arguments("invalid JSON", "{\"w\" 1}", EIGHT_BYTES, "header is not valid JSON"),
                arguments("trailing garbage", "{} {}", new byte[0], "header is not valid JSON"),
                arguments("array header", "[1,2]", new byte[0], "does not start with '{'"),
                arguments("leading space", " {}", new byte[0], "does not start with '{'"),
                arguments("empty header", "", new byte[0], "does not start with '{'"),
                arguments("duplicate tensor", "{" + tensor("w", "F32", "[1]", "[0,4]") + "," + tensor("w", "F32", "[1]", "[4,8]") + "}",
                        EIGHT_BYTES, "duplicate field"),
                arguments("duplicate field", "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        new byte[4], "duplicate field"),
                arguments("unknown dtype", "{" + tensor("w", "Q4_K", "[1]", "[0,4]") + "}", new byte[4], "tensor \"w\": unknown dtype \"Q4_K\""),
                arguments("unsupported dtype", "{" + tensor("w", "F64", "[1]", "[0,8]") + "}", EIGHT_BYTES, "tensor \"w\": dtype F64 is unsupported"),
                arguments("dtype not a string", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4], "tensor \"w\": dtype is missing"),
                arguments("missing shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4], "tensor \"w\": shape is missing"),
                arguments("unexpected field", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
                        new byte[4], "tensor \"w\": unexpected field \"x\""),
                arguments("tensor not an object", "{\"w\":[1]}", new byte[0], "tensor \"w\": entry is not a JSON object"),
                arguments("negative dim", "{" + tensor("w", "F32", "[-1]", "[0,4]") + "}", new byte[4], "shape[0] is -1, not a non-negative integer"),
                arguments("fractional dim", "{" + tensor("w", "F32", "[1.5]", "[0,4]") + "}", new byte[4], "shape[0] is 1.5, not a non-negative integer"),
                arguments("exponent dim", "{" + tensor("w", "F32", "[1e0]", "[0,4]") + "}", new byte[4], "shape[0] is 1.0, not a non-negative integer"),
                arguments("string dim", "{" + tensor("w", "F32", "[1,\"2\"]", "[0,8]") + "}", EIGHT_BYTES, "shape[1] is \"2\", not a non-negative integer"),
                arguments("dim beyond long", "{" + tensor("w", "F32", "[99999999999999999999]", "[0,4]") + "}", new byte[4],
                        "shape[0] is 99999999999999999999, not a non-negative integer"),
                arguments("overflowing shape", "{" + tensor("w", "F32", "[4294967296,4294967296,16]", "[0,4]") + "}", new byte[4],
                        "tensor \"w\": shape [4294967296, 4294967296, 16] overflows"),
                arguments("shape times dtype overflows", "{" + tensor("w", "F32", "[4611686018427387904]", "[0,4]") + "}", new byte[4],
                        "overflows the byte size"),
                arguments("size mismatch", "{" + tensor("w", "F32", "[3]", "[0,8]") + "}", EIGHT_BYTES,
                        "tensor \"w\": shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8"),
                arguments("end before begin", "{" + tensor("w", "F32", "[0]", "[8,0]") + "}", EIGHT_BYTES, "tensor \"w\": data_offsets end 0 is before begin 8"),
                arguments("three offsets", "{" + tensor("w", "F32", "[1]", "[0,4,8]") + "}", EIGHT_BYTES, "data_offsets has 3 entries, expected 2"),
                arguments("negative offset", "{" + tensor("w", "F32", "[1]", "[-4,0]") + "}", EIGHT_BYTES, "data_offsets[0] is -4"),
                arguments("offsets past data", "{" + tensor("w", "F32", "[4]", "[0,16]") + "}", EIGHT_BYTES,
                        "tensor \"w\": data_offsets [0, 16] extend past the 8-byte data section"),
                arguments("offsets far past data", "{" + tensor("w", "F16", "[4]", "[9223372036854775799,9223372036854775807]") + "}", EIGHT_BYTES,
                        "tensor \"w\": data_offsets [9223372036854775799, 9223372036854775807] extend past the 8-byte data section"),
                arguments("overlap", "{" + tensor("a", "F32", "[2]", "[0,8]") + "," + tensor("b", "F32", "[1]", "[4,8]") + "}", EIGHT_BYTES,
                        "overlap tensor \"a\""),
                arguments("same range twice", "{" + tensor("a", "F32", "[1]", "[0,4]") + "," + tensor("b", "F32", "[1]", "[0,4]") + "}", new byte[4],
                        "overlap tensor"),
                arguments("gap", "{" + tensor("a", "F32", "[1]", "[0,4]") + "," + tensor("b", "F32", "[1]", "[8,12]") + "}", new byte[12],
                        "tensor \"b\": data_offsets begin 8 leaves uncovered bytes 4..8"),
                arguments("leading gap", "{" + tensor("a", "F32", "[1]", "[4,8]") + "}", EIGHT_BYTES, "uncovered bytes 0..4"),
                arguments("trailing bytes", "{" + tensor("a", "F32", "[1]", "[0,4]") + "}", EIGHT_BYTES,
                        "tensors cover 4 bytes but the data section has 8"),
                arguments("metadata not an object", "{\"__metadata__\":\"x\"}", new byte[0], "__metadata__ is not a JSON object"),
                arguments("metadata non-string value", "{\"__metadata__\":{\"n\":1}}", new byte[0], "__metadata__ value for \"n\" is not a string: 1"),
                arguments("deep nesting", "{\"w\":" + "[".repeat(5000) + "]".repeat(5000) + "}", new byte[0], "header is not valid JSON"),
                arguments("NaN literal", "{\"w\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,4]}}", new byte[4], "header is not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHeaders")
    void malformedHeaderIsRejected(String caseName, String header, byte[] data, String expectedProblem) throws IOException {
        Path file = RawSafeTensors.write(dir, "bad.safetensors", header, data);
        assertThatThrownBy(() -> SafeTensorsFile.open(file))
                .isExactlyInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(file + ": ")
                .hasMessageContaining(expectedProblem);
    }

    @Test
    void namesFromTheFileAreEscapedAndCappedInMessages() throws IOException {
        String longName = "x".repeat(5000);
        Path file = RawSafeTensors.write(dir, "names.safetensors",
                "{" + tensor("evil\\nINFO forged", "Q9", "[1]", "[0,4]") + "}", new byte[4]);
        assertThatThrownBy(() -> SafeTensorsFile.open(file)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("tensor \"evil\\u000aINFO forged\"").message().doesNotContain("\n");
        Path longFile = RawSafeTensors.write(dir, "long.safetensors", "{" + tensor(longName, "Q9", "[1]", "[0,4]") + "}", new byte[4]);
        assertThatThrownBy(() -> SafeTensorsFile.open(longFile)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("\"... (5000 chars): unknown dtype").message().hasSizeLessThan(400 + longFile.toString().length());
    }

    @Test
    void invalidUtf8IsRejected() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        Path file = Files.write(dir.resolve("utf.safetensors"), RawSafeTensors.withDeclaredLength(header.length, header, new byte[0]));
        assertThatThrownBy(() -> SafeTensorsFile.open(file)).isInstanceOf(SafeTensorsException.class).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void filesShorterThanTheLengthFieldAreRejected() throws IOException {
        for (int size : new int[] {0, 1, 7}) {
            Path file = Files.write(dir.resolve("short" + size), new byte[size]);
            assertThatThrownBy(() -> SafeTensorsFile.open(file)).isInstanceOf(SafeTensorsException.class)
                    .hasMessage(file + ": file is " + size + " bytes, too short for the 8-byte header length");
        }
    }

    @Test
    void headerCutShortIsRejected() throws IOException {
        byte[] whole = bytes("{" + tensor("w", "F32", "[1]", "[0,4]") + "}", new byte[4]);
        Path file = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(whole, 20));
        assertThatThrownBy(() -> SafeTensorsFile.open(file)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("header length " + (whole.length - 12) + " exceeds the 12 bytes after the length field");
    }

    @Test
    void lyingHeaderLengthsAreRejectedWithoutAllocating() throws IOException {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        long[] claims = {3, 100_000_000L, 100L * 1024 * 1024 + 1, Long.MAX_VALUE, -1L /* u64 max */};
        for (long claim : claims) {
            Path file = Files.write(dir.resolve("lie.safetensors"), RawSafeTensors.withDeclaredLength(claim, header, new byte[0]));
            long start = System.nanoTime();
            assertThatThrownBy(() -> SafeTensorsFile.open(file)).isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining("header length " + Long.toUnsignedString(claim) + " exceeds the 2 bytes");
            assertThat(System.nanoTime() - start).as("claim %d", claim).isLessThan(1_000_000_000L);
        }
    }

    @Test
    void headerOverTheSizeLimitIsRejectedEvenWhenTheFileIsThatLarge() throws IOException {
        long claim = SafeTensorsFile.MAX_HEADER_BYTES + 1;
        Path file = sparseFile("huge-header.safetensors", claim, 8 + claim);
        assertThatThrownBy(() -> SafeTensorsFile.open(file)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("header length " + claim + " exceeds the limit of " + SafeTensorsFile.MAX_HEADER_BYTES);
    }

    @Test
    void readFloatsRefusesTensorsTooLargeForAnArray() throws IOException {
        long elements = 1L << 31;
        String header = "{" + tensor("big", "F16", "[" + elements + "]", "[0," + elements * 2 + "]") + "}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        Path file = sparseFile("big.safetensors", headerBytes.length, 8 + headerBytes.length + elements * 2);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(8);
            raf.write(headerBytes);
        }
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            assertThat(st.data("big").byteSize()).isEqualTo(elements * 2);
            assertThatThrownBy(() -> st.readFloats("big")).hasMessageContaining("tensor \"big\" has 2147483648 elements");
        }
    }

    /** A file of {@code size} bytes, mostly holes, whose first 8 bytes declare {@code headerLength}. */
    private Path sparseFile(String name, long headerLength, long size) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
            raf.setLength(size);
        }
        return file;
    }
}
