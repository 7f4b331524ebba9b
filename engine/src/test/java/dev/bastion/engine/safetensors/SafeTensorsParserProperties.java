package dev.bastion.engine.safetensors;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Whatever bytes arrive, opening yields a fully usable file or a SafeTensorsException, quickly. */
class SafeTensorsParserProperties {

    private static final Duration PER_TRY_LIMIT = Duration.ofSeconds(5);
    /** Characters that keep a mutated header JSON-like, so mutations reach the semantic checks, not just the parser. */
    private static final String JSON_CHARS = "0123456789[]{},:\"-.e ";

    private static final byte[] VALID_FILE = RawSafeTensors.bytes(
            "{\"__metadata__\":{\"k\":\"v\"},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
                    + "\"c\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[12,16]}}",
            RawSafeTensors.concat(RawSafeTensors.littleEndianFloats(1f, 2f), RawSafeTensors.littleEndianShorts(0x3F80, 0x4000, 0x3C00, 0x4000)));

    @Property(tries = 300)
    void mutatedOrTruncatedFilesAreValidatedOrRejected(@ForAll("mutatedFiles") byte[] content) throws IOException {
        Statistics.label("outcome").collect(openAndUseAll(content));
    }

    @Property(tries = 300)
    void randomHeadersAreValidatedOrRejected(@ForAll("randomHeaderFiles") byte[] content) throws IOException {
        String outcome = openAndUseAll(content);
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(coverage -> {
            coverage.check("valid").count(count -> count > 0);
            coverage.check("rejected").count(count -> count > 0);
        });
    }

    @Property(tries = 50)
    void f32TensorsRoundTripExactly(@ForAll("tensorValues") List<float[]> tensors) throws IOException {
        Path file = Files.createTempFile("roundtrip", ".safetensors");
        try {
            SafeTensorsWriter writer = SafeTensorsWriter.builder();
            for (int i = 0; i < tensors.size(); i++) {
                writer.add("t" + i, DType.F32, new long[] {tensors.get(i).length}, tensors.get(i));
            }
            writer.write(file);
            try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                for (int i = 0; i < tensors.size(); i++) assertThat(st.readFloats("t" + i)).containsExactly(tensors.get(i));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** @return "valid" or "rejected"; any other exception or a slow try fails the property */
    private static String openAndUseAll(byte[] content) throws IOException {
        Path file = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(file, content);
            return assertTimeoutPreemptively(PER_TRY_LIMIT, () -> {
                try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                    // An accepted file's tensors tile its data section exactly, in order.
                    long covered = 0;
                    for (TensorInfo info : st.tensors().values()) {
                        assertThat(info.dataOffset()).as(info.name()).isEqualTo(covered);
                        covered += info.byteLength();
                        assertThat(st.data(info.name()).byteSize()).isEqualTo(info.byteLength());
                        assertThat(st.readFloats(info.name())).hasSize((int) info.elementCount());
                    }
                    long headerLength = ByteBuffer.wrap(content, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    assertThat(8 + headerLength + covered).isEqualTo(content.length);
                    return "valid";
                } catch (SafeTensorsException e) {
                    assertThat(e).hasMessageStartingWith(file + ": ");
                    return "rejected";
                }
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Provide
    Arbitrary<byte[]> mutatedFiles() {
        Arbitrary<Byte> anyByte = Arbitraries.bytes();
        Arbitrary<Byte> jsonByte = Arbitraries.of(JSON_CHARS.chars().mapToObj(c -> (byte) c).toList());
        Arbitrary<Tuple.Tuple2<Integer, Byte>> edit = Combinators.combine(
                Arbitraries.integers().between(0, VALID_FILE.length - 1),
                Arbitraries.frequencyOf(Tuple.of(1, anyByte), Tuple.of(3, jsonByte))).as(Tuple::of);
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(VALID_FILE.length)),
                Tuple.of(1, Arbitraries.integers().between(0, VALID_FILE.length)));
        return Combinators.combine(edit.list().ofMinSize(1).ofMaxSize(4), length).as((edits, keep) -> {
            byte[] mutated = VALID_FILE.clone();
            edits.forEach(e -> mutated[e.get1()] = e.get2());
            return Arrays.copyOf(mutated, keep);
        });
    }

    private record Entry(String name, String dtype, List<Long> shape) {
        long bytes() {
            long count = 1;
            for (long dim : shape) count *= dim;   // may overflow: that just makes another hostile header
            return count * (dtype.equals("F32") ? 4 : 2);
        }
    }

    /** Mostly plausible headers (contiguous offsets) with occasional lies in dtype, shape, offsets or data length. */
    @Provide
    Arbitrary<byte[]> randomHeaderFiles() {
        Arbitrary<Long> dim = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(0, 3)),
                Tuple.of(1, Arbitraries.of(-1L, 4_294_967_296L, Long.MAX_VALUE)));
        Arbitrary<Entry> entry = Combinators.combine(
                Arbitraries.of("a", "b", "c", "d.weight", "__metadata__"),
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of("F32", "F16", "BF16")), Tuple.of(1, Arbitraries.of("F64", "I8", "bf16"))),
                dim.list().ofMaxSize(3)).as(Entry::new);
        Arbitrary<Long> offsetLie = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(0L)), Tuple.of(1, Arbitraries.longs().between(-3, 3)));
        return Combinators.combine(entry.list().ofMaxSize(4), offsetLie, offsetLie).as((entries, beginLie, dataLie) -> {
            long offset = 0;
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                long size = e.bytes();
                long begin = offset + (i == 0 ? beginLie : 0);
                String shape = e.shape.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
                parts.add("\"" + e.name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":" + shape
                        + ",\"data_offsets\":[" + begin + "," + (begin + size) + "]}");
                offset = begin + size;
            }
            String json = parts.stream().collect(Collectors.joining(",", "{", "}"));
            long dataLength = Math.max(0, Math.min(1024, offset + dataLie));
            return RawSafeTensors.bytes(json, new byte[(int) dataLength]);
        });
    }

    @Provide
    Arbitrary<List<float[]>> tensorValues() {
        Arbitrary<Float> anyFloat = Arbitraries.integers().map(Float::intBitsToFloat);
        return anyFloat.array(float[].class).ofMaxSize(16).list().ofMinSize(1).ofMaxSize(4);
    }
}
