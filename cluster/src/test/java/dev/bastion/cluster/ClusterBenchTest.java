package dev.bastion.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A smoke run of bin/bench-cluster's driver: one real node for a few seconds, and numbers that add up. */
class ClusterBenchTest {

    @TempDir
    Path dir;

    @Test
    void oneNodeForAFewSecondsReportsSaneNumbers() throws Exception {
        ClusterBench.Options options = new ClusterBench.Options(1, Duration.ofSeconds(3), 8, 8, 0, dir);
        ClusterBench.Report report = ClusterBench.run(options);

        assertThat(report.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(report.loadBefore()).matches("[0-9.]+ [0-9.]+ [0-9.]+");
        assertThat(report.overhead()).as("no second node to forward to").isNull();
        assertThat(report.results()).extracting(ClusterBench.Result::phase)
                .containsExactly("all clients on A, stream off", "all clients on A, stream on");
        for (ClusterBench.Result r : report.results()) {
            assertThat(r.nodes()).isEqualTo(1);
            assertThat(r.errors()).as(r.phase()).isZero();
            assertThat(r.requests()).as(r.phase()).isGreaterThanOrEqualTo(options.clients());
            assertThat(r.tokens()).as("1 to num_predict tokens a request")
                    .isBetween((long) r.requests(), (long) r.requests() * options.numPredict());
            assertThat(r.seconds()).isGreaterThanOrEqualTo(3.0).isLessThan(60.0);
            assertThat(r.tokensPerSecond()).isEqualTo(r.tokens() / r.seconds());
            assertThat(r.p50Millis()).isPositive().isLessThanOrEqualTo(r.p99Millis());
            assertThat(r.p99Millis()).isLessThan(r.seconds() * 1000);
            // 8 clients on one node whose scheduler runs one generation at a time: a request mostly waits
            assertThat(r.p50Millis()).isGreaterThan(r.seconds() * 1000 / r.requests());
            assertThat(r.forwarded()).as("a cluster of one forwards nothing").isZero();
            assertThat(r.ledgerRows()).as("every request is charged in the shared ledger").isGreaterThanOrEqualTo(r.requests());
        }
    }
}
