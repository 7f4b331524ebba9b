package dev.bastion.cli;

import dev.bastion.credits.Accounts;
import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CreditsCommandsTest {

    @TempDir
    Path home;

    private CliRun run(Object command, String... args) {
        return CliRun.run(home, command, args);
    }

    @Test
    void grantsAreIdempotentPricesApplyAndVerifyNamesEachCorruption() throws Exception {
        long alice = SecurityServices.open(home, Map.of()).users().create("alice", Role.USER).id();
        assertThat(run(new CreditsCommand(), "grant", "alice", "100", "--idempotency-key", "k1").out()).contains("Granted 100", "balance 100");
        assertThat(run(new CreditsCommand(), "grant", "alice", "100", "--idempotency-key", "k1").out()).contains("Already granted", "balance 100");
        assertThat(run(new CreditsCommand(), "grant", "alice", "-5").exit()).isEqualTo(1);
        assertThat(run(new CreditsCommand(), "grant", "ghost", "5").err()).contains("no such user: ghost");
        assertThat(run(new CreditsCommand(), "balance", "alice").out()).containsPattern("alice\\s+100");

        assertThat(run(new CreditsCommand(), "price", "tiny", "--prompt", "3", "--generated", "7").out())
                .contains("model:tiny:latest", "prompt 3/1k", "generated 7/1k");
        assertThat(run(new CreditsCommand(), "price").out()).contains("model:tiny:latest", "default");
        assertThat(run(new CreditsCommand(), "price", "tiny", "--prompt", "-1").exit()).isEqualTo(1);

        CliRun clean = run(new CreditsCommand(), "verify");
        assertThat(clean.exit()).as(clean.err()).isZero();
        assertThat(clean.out()).startsWith("ok:");

        SecurityServices services = SecurityServices.open(home, Map.of());
        try (Connection c = services.database().connection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE credit_balances SET balance = 5 WHERE account = '" + Accounts.user(alice) + "'");
            s.executeUpdate("UPDATE credit_entries SET amount = -90 WHERE account = 'mint'");
        }
        CliRun corrupt = run(new CreditsCommand(), "verify");
        assertThat(corrupt.exit()).isEqualTo(1);
        assertThat(corrupt.err()).contains("account user:" + alice + ": cached balance 5 but its entries sum to 100")
                .contains("does not balance: its entries sum to 10");
        assertThat(Files.readString(home.resolve("audit.log"))).contains("credits.grant", "credits.price");
    }
    @Test
    void theNetworkFeeIsSetOnceForAllNodesAndEarningsShowInHistoryAndPerNode() throws Exception {
        SecurityServices services = SecurityServices.open(home, Map.of());
        long alice = services.users().create("alice", Role.USER).id();
        long carol = services.users().create("carol", Role.USER).id();
        assertThat(run(new CreditsCommand(), "fee").out()).contains("network fee 10% (the built-in default; none set)");
        assertThat(run(new CreditsCommand(), "fee", "12.5").out()).contains("network fee 12.5%").doesNotContain("default");
        CliRun hostile = run(new CreditsCommand(), "fee", "1e2");
        assertThat(hostile.exit()).isEqualTo(1);
        assertThat(hostile.err()).contains("network fee must be a percentage");
        assertThat(run(new CreditsCommand(), "fee").out()).contains("network fee 12.5%");

        try (dev.bastion.credits.Credits credits = new dev.bastion.credits.Credits(services.database(),
                dev.bastion.credits.CreditsConfig.DEFAULT, true, java.time.Clock.systemUTC(), "node-c", carol)) {
            credits.ledger().grant(alice, 10_000, null, "admin", null);
            var r = credits.ledger().reserve(alice, 500, "model:tiny:latest", "node-c", "p", java.time.Instant.now().plusSeconds(60),
                    "alice", "req-7");
            credits.ledger().settle(r.id(), 400, new dev.bastion.credits.Usage(400, 0), "req-7", carol);
        }
        assertThat(run(new CreditsCommand(), "history", "carol").out())
                .containsPattern("earned\\s+\\+350  model:tiny:latest  from alice  node node-c  request req-7");
        assertThat(run(new CreditsCommand(), "history", "alice").out()).contains("settle").doesNotContain("earned");
        assertThat(run(new CreditsCommand(), "earnings").out()).containsPattern("node-c\\s+carol\\s+1\\s+400\\s+50\\s+350");
        assertThat(run(new CreditsCommand(), "verify").out()).startsWith("ok:");
        assertThat(Files.readString(home.resolve("audit.log"))).contains("credits.fee");
    }
}
