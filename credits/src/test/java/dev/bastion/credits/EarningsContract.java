package dev.bastion.credits;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The owner of the serving node earns the charge less the network fee, in the settling transaction: on each database. */
abstract class EarningsContract extends LedgerFixture {

    static final long OWNER_C = 30;
    static final long OWNER_A = 31;

    @Test
    void theSplitIsExactForAwkwardAmountsAndFeesAndRecordedOnTheTransaction() throws Exception {
        ledger.grant(ALICE, 1_000_000, null, "admin", null);
        for (int bp : new int[] {0, 1_250, 10_000}) {
            ledger.setNetworkFee(new NetworkFee(bp), "admin");
            assertThat(ledger.networkFee()).isEqualTo(new NetworkFee(bp));
            for (long charge : new long[] {1, 3, 9_999}) {
                long alice = ledger.balanceOfUser(ALICE);
                long owner = ledger.balanceOfUser(OWNER_C);
                long network = ledger.balance(Accounts.NETWORK);
                long fee = java.math.BigInteger.valueOf(charge).multiply(java.math.BigInteger.valueOf(bp))
                        .divide(java.math.BigInteger.valueOf(10_000)).longValueExact();

                Reservation r = ledger.reserve(ALICE, charge + 17, "model:tiny", "node-c", "p", later(), "alice", "req");
                assertThat(ledger.settle(r.id(), charge, new Usage(charge, 0), "req", OWNER_C)).hasValue(charge);

                assertThat(ledger.balanceOfUser(ALICE)).as("%d at %d bp", charge, bp).isEqualTo(alice - charge);
                assertThat(ledger.balanceOfUser(OWNER_C) - owner).isEqualTo(charge - fee);
                assertThat(ledger.balance(Accounts.NETWORK) - network).isEqualTo(fee);
                assertThat(ledger.balance(Accounts.revenue("model:tiny"))).as("nothing to revenue with an owner").isZero();
                assertThat(recorded(r.id())).isEqualTo("settle node-c " + Accounts.user(OWNER_C) + " " + bp);

                long embedOwner = ledger.balanceOfUser(OWNER_C);
                long embedNetwork = ledger.balance(Accounts.NETWORK);
                assertThat(ledger.chargeAfter(ALICE, charge, "model:embed", new Usage(charge, 0), "alice", null,
                        "node-c", OWNER_C)).isEqualTo(charge);
                assertThat(ledger.balanceOfUser(OWNER_C) - embedOwner).isEqualTo(charge - fee);
                assertThat(ledger.balance(Accounts.NETWORK) - embedNetwork).isEqualTo(fee);
            }
        }
        assertThat(ledger.verify().problems()).isEmpty();
        // 1 and 3 credits at 12.5%: the fee rounds down to nothing, the owner gets all
        assertThat(new NetworkFee(1_250).feeOn(3)).isZero();
    }

    @Test
    void anOwnerUsingTheirOwnNodePaysOnlyTheFee() throws Exception {
        ledger.grant(OWNER_C, 1_000, null, "admin", null);
        ledger.setNetworkFee(new NetworkFee(1_000), "admin");
        Reservation r = ledger.reserve(OWNER_C, 200, "model:tiny", "node-c", "p", later(), "owner", "self");
        assertThat(ledger.settle(r.id(), 150, new Usage(100, 50), "self", OWNER_C)).hasValue(150);

        assertThat(ledger.balanceOfUser(OWNER_C)).isEqualTo(1_000 - 15);
        assertThat(ledger.balance(Accounts.NETWORK)).isEqualTo(15);
        List<Entry> history = ledger.history(Accounts.user(OWNER_C), 10);
        assertThat(history.getFirst().kind()).isEqualTo("settle");
        assertThat(history.getFirst().earning()).as("no earnings from oneself").isFalse();
        assertThat(history.getFirst().amount()).isEqualTo(200 - 15);
        assertThat(ledger.verify().problems()).isEmpty();
        assertThat(ledger.earnings()).containsExactly(new Ledger.Earnings("node-c", OWNER_C, 1, 150, 15));
    }

    @Test
    void historyShowsEarningsWithTheServingNodeAndWithoutAnOwnerRevenueIsUnchanged() throws Exception {
        ledger.grant(ALICE, 1_000, null, "admin", null);
        Reservation plain = ledger.reserve(ALICE, 100, "model:tiny", "local", "p", later(), "alice", "r1");
        ledger.settle(plain.id(), 40, new Usage(40, 0), "r1", null);
        assertThat(ledger.balance(Accounts.revenue("model:tiny"))).isEqualTo(40);
        assertThat(recorded(plain.id())).isEqualTo("settle local null null");

        Reservation earned = ledger.reserve(ALICE, 100, "model:tiny", "node-c", "p", later(), "alice", "r2");
        ledger.settle(earned.id(), 40, new Usage(40, 0), "r2", OWNER_C);
        Entry e = ledger.history(Accounts.user(OWNER_C), 10).getFirst();
        assertThat(e.earning()).isTrue();
        assertThat(e.label()).isEqualTo("earned");
        assertThat(e.node()).isEqualTo("node-c");
        assertThat(e.amount()).isEqualTo(36); // the default fee, 10%
        assertThat(e.actor()).isEqualTo("alice");
        assertThat(ledger.history(Accounts.user(ALICE), 10)).noneMatch(Entry::earning);
        assertThat(ledger.earnings()).containsExactly(new Ledger.Earnings("node-c", OWNER_C, 1, 40, 4));
    }

    /**
     * Many reservations settled concurrently on two ledgers (two nodes), each settle tried twice and raced by a
     * release: each reservation is closed exactly once, the owners get exactly Σ(charge − fee) of what was charged to
     * them, the network Σ fee, and verify is clean.
     */
    @Test
    void concurrentSettlesOnTwoNodesPayEachOwnerExactlyOnce() throws Exception {
        ledger.setNetworkFee(new NetworkFee(1_250), "admin");
        ledger.grant(ALICE, 10_000_000, null, "admin", null);
        Ledger second = new Ledger(database);
        NetworkFee fee = new NetworkFee(1_250);
        AtomicLong earnedC = new AtomicLong();
        AtomicLong earnedA = new AtomicLong();
        AtomicLong fees = new AtomicLong();
        AtomicLong charged = new AtomicLong();
        AtomicLong closes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        int requests = 400;
        try {
            List<Reservation> reservations = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                Ledger node = i % 2 == 0 ? ledger : second;
                reservations.add(node.reserve(ALICE, 10_000, "model:tiny", i % 2 == 0 ? "node-c" : "node-a", "p",
                        later(), "alice", null));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                Reservation r = reservations.get(i);
                boolean onC = i % 2 == 0;
                long charge = 1 + (i * 7919L) % 9_999;
                for (int attempt = 0; attempt < 3; attempt++) {
                    Ledger by = attempt == 1 ? (onC ? second : ledger) : (onC ? ledger : second);
                    boolean release = attempt == 2;
                    work.add(pool.submit(() -> {
                        start.await();
                        if (release) {
                            if (by.release(r.id(), null)) closes.incrementAndGet();
                            return null;
                        }
                        OptionalLong done = by.settle(r.id(), charge, new Usage(charge, 0), null, onC ? OWNER_C : OWNER_A);
                        if (done.isPresent()) {
                            closes.incrementAndGet();
                            charged.addAndGet(done.getAsLong());
                            fees.addAndGet(fee.feeOn(done.getAsLong()));
                            (onC ? earnedC : earnedA).addAndGet(fee.earningsOn(done.getAsLong()));
                        }
                        return null;
                    }));
                }
            }
            start.countDown();
            for (Future<?> f : work) f.get();
        } finally {
            pool.shutdownNow();
            second.close();
        }
        assertThat(closes.get()).as("every reservation closed once").isEqualTo(requests);
        assertThat(earnedC.get() + earnedA.get()).as("some settles won their race").isPositive();
        assertThat(ledger.balanceOfUser(OWNER_C)).isEqualTo(earnedC.get());
        assertThat(ledger.balanceOfUser(OWNER_A)).isEqualTo(earnedA.get());
        assertThat(ledger.balance(Accounts.NETWORK)).isEqualTo(fees.get());
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(10_000_000 - charged.get());
        assertThat(ledger.openReservations(null)).isEmpty();
        try (Connection c = database.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT closes) FROM credit_transactions WHERE closes IS NOT NULL")) {
            r.next();
            assertThat(r.getLong(1)).isEqualTo(requests).isEqualTo(r.getLong(2));
        }
        assertThat(ledger.verify().problems()).isEmpty();
    }

    @Test
    void aFreeRequestHoldingNothingSettlesOnceAndEarnsNothing() throws Exception {
        Reservation free = ledger.reserve(ALICE, 0, "model:free", "node-c", "p", later(), "alice", null);
        assertThat(ledger.settle(free.id(), 0, new Usage(5, 5), null, OWNER_C)).hasValue(0);
        assertThat(ledger.settle(free.id(), 0, new Usage(5, 5), null, OWNER_C)).isEmpty();
        assertThat(ledger.balanceOfUser(OWNER_C)).isZero();
        assertThat(ledger.openReservations(null)).isEmpty();
        assertThat(ledger.verify().problems()).isEmpty();
    }

    @Test
    void aNodeThatDiesBeforeSettlingEarnsItsOwnerNothingEvenIfItsSettleComesLater() throws Exception {
        ledger.grant(ALICE, 1_000, null, "admin", null);
        Reservation r = ledger.reserve(ALICE, 300, "model:tiny", "node-c", "c-run-1", later(), "alice", "doomed");

        // a survivor releases the dead node's reservation ...
        assertThat(ledger.releaseNode("node-c", Instant.now().plusSeconds(1))).isEqualTo(1);
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(1_000);
        // ... and a node wrongly declared dead settles too late: no charge, no earnings
        assertThat(ledger.settle(r.id(), 250, new Usage(250, 0), "doomed", OWNER_C)).isEmpty();
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(1_000);
        assertThat(ledger.balanceOfUser(OWNER_C)).isZero();
        assertThat(ledger.balance(Accounts.NETWORK)).isZero();
        assertThat(ledger.history(Accounts.user(OWNER_C), 10)).isEmpty();
        assertThat(ledger.verify().problems()).isEmpty();
    }

    @Test
    void verifyNamesAnEarningThatDoesNotMatchItsFee() throws Exception {
        ledger.grant(ALICE, 1_000, null, "admin", null);
        Reservation r = ledger.reserve(ALICE, 300, "model:tiny", "node-c", "p", later(), "alice", null);
        ledger.settle(r.id(), 200, new Usage(200, 0), null, OWNER_C);
        assertThat(ledger.verify().problems()).isEmpty();

        // moved a credit from the network to the owner: still balanced, and balances rebuilt to match the entries
        try (Connection c = database.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE credit_entries SET amount = amount + 1 WHERE account = '" + Accounts.user(OWNER_C) + "'");
            s.executeUpdate("UPDATE credit_entries SET amount = amount - 1 WHERE account = '" + Accounts.NETWORK + "'");
        }
        ledger.rebuildBalances();
        assertThat(ledger.verify().problems()).singleElement().satisfies(p -> assertThat(p)
                .contains("charged 200 at a network fee of 10%").contains("network:fees=20").contains("network:fees=19"));

        // and a recorded rate that no longer matches the entries
        try (Connection c = database.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE credit_entries SET amount = amount - 1 WHERE account = '" + Accounts.user(OWNER_C) + "'");
            s.executeUpdate("UPDATE credit_entries SET amount = amount + 1 WHERE account = '" + Accounts.NETWORK + "'");
            s.executeUpdate("UPDATE credit_transactions SET fee_bp = 0 WHERE earner IS NOT NULL");
        }
        ledger.rebuildBalances();
        assertThat(ledger.verify().problems()).singleElement().satisfies(p -> assertThat(p).contains("network fee of 0%"));
    }

    @Test
    void aFeeChangedWhileSettlingAppliesToWholeTransactionsOnly() throws Exception {
        ledger.grant(ALICE, 1_000_000, null, "admin", null);
        Ledger admin = new Ledger(database);
        try {
            List<Reservation> open = new ArrayList<>();
            for (int i = 0; i < 100; i++) open.add(ledger.reserve(ALICE, 1_000, "model:tiny", "node-c", "p", later(), "alice", null));
            Thread changer = Thread.ofPlatform().start(() -> {
                for (int bp = 0; bp <= 10_000; bp += 500) admin.setNetworkFee(new NetworkFee(bp), "admin");
            });
            for (Reservation r : open) ledger.settle(r.id(), 999, new Usage(999, 0), null, OWNER_C);
            changer.join();
        } finally {
            admin.close();
        }
        assertThat(ledger.balanceOfUser(OWNER_C) + ledger.balance(Accounts.NETWORK)).isEqualTo(100 * 999);
        assertThat(ledger.verify().problems()).isEmpty(); // each settle split at the rate it recorded
    }

    private String recorded(long reservationId) throws Exception {
        try (Connection c = database.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT kind, node, earner, fee_bp FROM credit_transactions WHERE closes = "
                     + reservationId)) {
            r.next();
            return r.getString(1) + " " + r.getString(2) + " " + r.getString(3) + " " + r.getString(4);
        }
    }
}
