package dev.bastion.bench;

import dev.bastion.credits.Ledger;
import dev.bastion.credits.Reservation;
import dev.bastion.credits.Usage;
import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * What credits add to one generation request on SQLite: the reservation before it and the settlement after it, as
 * sampled latencies (JMH reports p50/p90/p99/p99.9). {@code balanceRead} is the cheapest ledger call, for scale.
 * Run with {@code bin/bench-credits}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1)
public class CreditsBenchmark {

    private static final long USER = 1;

    private Path home;
    private Ledger ledger;

    @Setup(Level.Trial)
    public void open() throws IOException {
        home = Files.createTempDirectory("bastion-credits-bench");
        ledger = new Ledger(Database.open(DatabaseConfig.sqlite(home)));
        ledger.grant(USER, Long.MAX_VALUE / 4, "bench", "bench", null);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        ledger.close();
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public long reserveAndSettle() throws Exception {
        Reservation r = ledger.reserve(USER, 128, "model:bench", "bench", Instant.now().plusSeconds(3600), "bench", null);
        return ledger.settle(r.id(), 17, new Usage(10, 3), null).orElseThrow();
    }

    @Benchmark
    public long balanceRead() {
        return ledger.balanceOfUser(USER);
    }
}
