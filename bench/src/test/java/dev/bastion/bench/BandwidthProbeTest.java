package dev.bastion.bench;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BandwidthProbeTest {

    @Test
    void theKernelSumsEveryFloatOfItsChunkAndNothingBeyond() {
        int floats = (1 << 20) / Float.BYTES;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(2L << 20, 64);
            long expected = 0;
            for (int i = 0; i < floats; i++) {
                buffer.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i % 7);
                expected += i % 7;
            }
            // The next chunk holds values that would show if the loop overran its chunk.
            for (int i = floats; i < 2 * floats; i++) buffer.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1000);

            assertThat(BandwidthProbe.sum(buffer, 0)).isEqualTo((float) expected);
            assertThat(BandwidthProbe.sum(buffer, 1 << 20)).isEqualTo(1000f * floats);
        }
    }

    @Test
    void theFourStreamKernelSumsOneChunkAtEachStrideAndNothingBeyond() {
        int floats = (1 << 20) / Float.BYTES;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(5L << 20, 64);
            // Chunks 0..3 hold 1..4; chunk 4 holds values that would show if a stream overran its chunk.
            for (int i = 0; i < 5 * floats; i++) buffer.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i < 4 * floats ? 1 + i / floats : 1000);

            assertThat(BandwidthProbe.sumFour(buffer, 0, 1 << 20)).isEqualTo((1 + 2 + 3 + 4) * (float) floats);
        }
    }

    @Test
    void aReadingNamesBestEachFormMedianAndPasses() {
        assertThat(new BandwidthProbe.Reading(52.4e9, 41.0e9, 52.4e9, 40.25e9, 10).toString())
                .isEqualTo("52.4 GB/s (best of 10 passes of 1024 MiB; one stream per thread 41.0, four 52.4; median 40.3)");
        assertThatThrownBy(() -> BandwidthProbe.measure(1)).hasMessageContaining("at least 2");
    }
}
