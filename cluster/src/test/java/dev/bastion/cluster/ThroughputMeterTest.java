package dev.bastion.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ThroughputMeterTest {

    @Test
    void tokensOfGenerationsEndedWithinTheWindowPerSecondOfIt() {
        AtomicLong now = new AtomicLong();
        ThroughputMeter meter = new ThroughputMeter(Duration.ofSeconds(10), now::get);
        assertThat(meter.tokensPerSecond()).isZero();
        meter.record(50);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        meter.record(30);
        assertThat(meter.tokensPerSecond()).isEqualTo(8.0);
        now.addAndGet(Duration.ofSeconds(7).toNanos());
        assertThat(meter.tokensPerSecond()).as("the first has left the window").isEqualTo(3.0);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(meter.tokensPerSecond()).isZero();
    }
}
