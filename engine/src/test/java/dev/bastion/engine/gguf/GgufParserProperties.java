package dev.bastion.engine.gguf;

import dev.bastion.engine.format.StorageType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Random mutations of a valid GGUF file (bytes overwritten, length fields set to random or extreme values, cuts,
 * insertions) either open as a file whose every tensor and value can be read, or fail with a GgufException, quickly:
 * never another exception (an out-of-bounds access would be an IndexOutOfBoundsException), never a hang.
 */
class GgufParserProperties {

    private static final Duration PER_TRY_LIMIT = Duration.ofSeconds(5);
    private static final byte[] VALID = validFile();

    private static byte[] validFile() {
        try {
            Path file = Files.createTempFile("valid", ".gguf");
            try {
                new GgufWriter().put("general.architecture", "llama").put("n", GgufValue.uint32(7))
                        .put("f", GgufValue.float32(0.5f)).put("b", GgufValue.bool(true))
                        .put("tokenizer.ggml.tokens", GgufValue.strings(List.of("<s>", "a", "b")))
                        .put("tokenizer.ggml.scores", GgufValue.float32s(new float[] {0, -1, -2}))
                        .tensor("w", new long[] {2, 4}, new float[8])
                        .tensor("q", StorageType.Q8_0, new long[] {1, 32}, MemorySegment.ofArray(new byte[34]))
                        .tensor("v", new long[] {3}, new float[] {1, 2, 3})
                        .write(file);
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 400)
    void mutatedFilesAreReadFullyOrRefusedWithAGgufException(@ForAll("mutated") byte[] content) throws IOException {
        Path file = Files.createTempFile("mutated", ".gguf");
        try {
            Files.write(file, content);
            String outcome = assertTimeoutPreemptively(PER_TRY_LIMIT, () -> openAndReadAll(file));
            Statistics.label("outcome").collect(outcome);
            Statistics.label("outcome").coverage(c -> c.check("refused").count(n -> n > 0));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String openAndReadAll(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            for (GgufTensor t : gguf.tensors().values()) {
                MemorySegment data = gguf.data(t.name());
                assertThat(data.byteSize()).isEqualTo(t.type().bytesFor(t.elements()));
                if (data.byteSize() > 0) {
                    data.get(ValueLayout.JAVA_BYTE, 0);
                    data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                }
            }
            gguf.metadata().values().forEach(GgufValue::toString);
            return "valid";
        } catch (GgufException e) {
            return "refused";
        } catch (IOException e) {
            throw new AssertionError("not a GgufException: " + e, e);
        }
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, VALID.length - 1);
        Arbitrary<Long> value = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 1L, -1L, 32L, Long.MAX_VALUE,
                Long.MIN_VALUE, 1L << 32, (1L << 32) - 1, 1L << 20, 1L << 24, 64L << 20));
        Arbitrary<byte[]> overwriteLong = position.flatMap(at -> value.map(v -> {
            byte[] out = VALID.clone();
            byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
            System.arraycopy(bytes, 0, out, at, Math.min(8, out.length - at));
            return out;
        }));
        Arbitrary<byte[]> overwriteInt = position.flatMap(at -> Arbitraries.integers().map(v -> {
            byte[] out = VALID.clone();
            byte[] bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
            System.arraycopy(bytes, 0, out, at, Math.min(4, out.length - at));
            return out;
        }));
        Arbitrary<byte[]> flipBytes = Arbitraries.integers().between(1, 8).flatMap(n -> position.list().ofSize(n).flatMap(ats ->
                Arbitraries.bytes().list().ofSize(n).map(values -> {
                    byte[] out = VALID.clone();
                    for (int i = 0; i < n; i++) out[ats.get(i)] = values.get(i);
                    return out;
                })));
        Arbitrary<byte[]> cut = position.map(at -> java.util.Arrays.copyOf(VALID, at));
        Arbitrary<byte[]> insert = position.flatMap(at -> Arbitraries.bytes().array(byte[].class).ofMaxSize(16).map(extra -> {
            byte[] out = new byte[VALID.length + extra.length];
            System.arraycopy(VALID, 0, out, 0, at);
            System.arraycopy(extra, 0, out, at, extra.length);
            System.arraycopy(VALID, at, out, at + extra.length, VALID.length - at);
            return out;
        }));
        return Arbitraries.oneOf(overwriteLong, overwriteInt, flipBytes, cut, insert);
    }
}
