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
    void aReadingNamesBestMedianAndPasses() {
        assertThat(new BandwidthProbe.Reading(21.4e9, 18.25e9, 10).toString())
                .isEqualTo("21.4 GB/s (best of 10 passes of 1024 MiB; median 18.3)");
        assertThatThrownBy(() -> BandwidthProbe.measure(0)).hasMessageContaining("at least 1");
    }
}
