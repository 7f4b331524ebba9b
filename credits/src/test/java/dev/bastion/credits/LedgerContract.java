package dev.bastion.credits;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger's promises, on each database it runs on. */
abstract class LedgerContract extends LedgerFixture {

    static final long BOB = 8;

    @Test
    void aGrantComesOutOfTheMintAndARetriedGrantIsAppliedOnce() {
        Ledger.Posted first = ledger.grant(ALICE, 500, "grant-1", "admin", "r1");
        Ledger.Posted retried = ledger.grant(ALICE, 500, "grant-1", "admin", "r2");

        assertThat(first.applied()).isTrue();
        assertThat(retried).isEqualTo(new Ledger.Posted(first.transactionId(), false));
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(500);
        assertThat(ledger.balance(Accounts.MINT)).isEqualTo(-500);
        assertThatThrownBy(() -> ledger.grant(ALICE, 600, "grant-1", "admin", "r3"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotency key");
        assertThatThrownBy(() -> ledger.grant(ALICE, 0, null, "admin", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger.grant(ALICE, -5, null, "admin", null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void aReservationBeyondTheBalanceIsRefusedWithNothingWritten() throws Exception {
        ledger.grant(ALICE, 100, null, "admin", null);
        long transactionsBefore = ledger.verify().transactions();

        assertThatThrownBy(() -> ledger.reserve(ALICE, 101, "model:tiny", "p1", later(), "alice", "r"))
                .isInstanceOfSatisfying(InsufficientCreditsException.class, e -> {
                    assertThat(e.available()).isEqualTo(100);
                    assertThat(e.required()).isEqualTo(101);
                });
        assertThat(ledger.verify().transactions()).isEqualTo(transactionsBefore);
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(100);
    }

    @Test
    void settlingChargesTheUseReturnsTheRestAndHappensOnce() throws Exception {
        ledger.grant(ALICE, 100, null, "admin", null);
        Reservation reservation = ledger.reserve(ALICE, 40, "model:tiny", "p1", later(), "alice", "r");
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(60);

        assertThat(ledger.settle(reservation.id(), 15, new Usage(10, 5), "r")).hasValue(15);
        assertThat(ledger.settle(reservation.id(), 15, new Usage(10, 5), "r")).isEmpty();
        assertThat(ledger.release(reservation.id(), "r")).isFalse();

        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(85);
        assertThat(ledger.balance(Accounts.revenue("model:tiny"))).isEqualTo(15);
        assertThat(ledger.balance(Accounts.hold(reservation.id()))).isZero();
        assertThat(ledger.openReservations(null)).isEmpty();
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void aChargeAboveTheReservationIsCappedAtWhatWasHeld() throws Exception {
        ledger.grant(ALICE, 100, null, "admin", null);
        Reservation reservation = ledger.reserve(ALICE, 10, "model:tiny", "p1", later(), "alice", "r");
        assertThat(ledger.settle(reservation.id(), 50, Usage.NONE, "r")).hasValue(10);
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(90);
    }

    @Test
    void manyThreadsClosingOneReservationCloseItOnce() throws Exception {
        ledger.grant(ALICE, 100, null, "admin", null);
        Reservation reservation = ledger.reserve(ALICE, 30, "model:tiny", "p1", later(), "alice", "r");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> closes = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                boolean settle = i % 2 == 0;
                closes.add(pool.submit(() -> {
                    start.await();
                    return settle ? ledger.settle(reservation.id(), 20, Usage.NONE, null).isPresent()
                            : ledger.release(reservation.id(), null);
                }));
            }
            start.countDown();
            int closed = 0;
            for (Future<Boolean> close : closes) closed += close.get() ? 1 : 0;
            assertThat(closed).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        long balance = ledger.balanceOfUser(ALICE);
        assertThat(balance).isIn(80L, 100L);
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void abandonedReservationsAreReleasedAndLiveOnesKept() throws Exception {
        ledger.grant(ALICE, 100, null, "admin", null);
        ledger.reserve(ALICE, 10, "model:tiny", "dead-process", later(), "alice", null);
        Reservation live = ledger.reserve(ALICE, 20, "model:tiny", "live-process", later(), "alice", null);
        ledger.reserve(ALICE, 30, "model:tiny", "live-process", Instant.now().minusSeconds(1), "alice", null);

        assertThat(ledger.releaseAbandoned("live-process")).isEqualTo(2);
        assertThat(ledger.openReservations(ALICE)).extracting(Ledger.OpenReservation::id).containsExactly(live.id());
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(80);
        assertThat(ledger.releaseAbandoned(null)).isEqualTo(1);
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(100);
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void nodesSharingTheLedgerReleaseOnlyTheirOwnAtStartAndADeadNodesOnceHoweverManySurvivorsTry() throws Exception {
        ledger.grant(ALICE, 1000, null, "admin", null);
        Reservation aOld = ledger.reserve(ALICE, 10, "model:tiny", "node-a", "a-run-1", later(), "alice", null);
        Reservation aLive = ledger.reserve(ALICE, 20, "model:tiny", "node-a", "a-run-2", later(), "alice", null);
        Reservation bLive = ledger.reserve(ALICE, 40, "model:tiny", "node-b", "b-run-1", later(), "alice", null);
        Reservation cDead = ledger.reserve(ALICE, 80, "model:tiny", "node-c", "c-run-1", later(), "alice", null);
        Reservation cDead2 = ledger.reserve(ALICE, 160, "model:tiny", "node-c", "c-run-1", later(), "alice", null);

        // node-a restarts (run 2 is live): its run 1's reservation goes, node-b's and node-c's stay
        assertThat(ledger.releaseAbandoned("node-a", "a-run-2")).isEqualTo(1);
        assertThat(ledger.openReservations(ALICE)).extracting(Ledger.OpenReservation::id)
                .containsExactly(aLive.id(), bLive.id(), cDead.id(), cDead2.id());
        assertThat(ledger.openReservations(ALICE)).extracting(Ledger.OpenReservation::node)
                .containsExactly("node-a", "node-b", "node-c", "node-c");

        // node-c dies: four survivors race to release its reservations; each is released exactly once
        Instant leftAt = Instant.now().plusSeconds(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> racers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                racers.add(pool.submit(() -> {
                    start.await();
                    return ledger.releaseNode("node-c", leftAt);
                }));
            }
            start.countDown();
            int released = 0;
            for (Future<Integer> racer : racers) released += racer.get();
            assertThat(released).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        // a process of node-c started after it left keeps its new reservation
        Reservation cAgain = ledger.reserve(ALICE, 1, "model:tiny", "node-c", "c-run-2", later(), "alice", null);
        assertThat(ledger.releaseNode("node-c", Instant.now().minusSeconds(60))).isZero();
        assertThat(ledger.openReservations(ALICE)).extracting(Ledger.OpenReservation::id)
                .containsExactly(aLive.id(), bLive.id(), cAgain.id());
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(1000 - 20 - 40 - 1);
        assertThat(ledger.settle(cDead.id(), 5, Usage.NONE, null)).as("a released reservation settles no more").isEmpty();
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void transfersNeedCoverAndKeepTheTotal() throws Exception {
        ledger.grant(ALICE, 50, null, "admin", null);
        ledger.transfer(ALICE, BOB, 20, "t-1", "alice", null);
        ledger.transfer(ALICE, BOB, 20, "t-1", "alice", null);
        assertThatThrownBy(() -> ledger.transfer(ALICE, BOB, 31, null, "alice", null))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(30);
        assertThat(ledger.balanceOfUser(BOB)).isEqualTo(20);
    }

    @Test
    void chargingAfterTheFactNeverGoesBelowZero() {
        ledger.grant(ALICE, 5, null, "admin", null);
        assertThat(ledger.chargeAfter(ALICE, 8, "model:embed", new Usage(8000, 0), "alice", null)).isEqualTo(5);
        assertThat(ledger.balanceOfUser(ALICE)).isZero();
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void verifyNamesACorruptedCachedBalanceAndACorruptedEntry() throws Exception {
        ledger.grant(ALICE, 100, null, "admin", null);
        Reservation reservation = ledger.reserve(ALICE, 40, "model:tiny", "p1", later(), "alice", "r");
        ledger.settle(reservation.id(), 15, new Usage(10, 5), "r");
        assertThat(ledger.verify().ok()).isTrue();

        try (Connection c = database.connection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE credit_balances SET balance = 999 WHERE account = '" + Accounts.user(ALICE) + "'");
            s.executeUpdate("UPDATE credit_entries SET amount = 17 WHERE account = '" + Accounts.revenue("model:tiny") + "'");
        }
        LedgerVerifier.Report report = ledger.verify();

        assertThat(report.ok()).isFalse();
        assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("account user:7").contains("cached balance 999"));
        assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("transaction").contains("does not balance"));
        assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("usage of transaction").contains("15"));

        ledger.rebuildBalances();
        assertThat(ledger.verify().problems()).noneMatch(p -> p.contains("cached balance"));
    }

    /**
     * The acceptance race: 1,000 concurrent reservations, each settled, plus 100 grants, against one user, through two
     * ledgers (two processes would each have one). The balance never goes below zero, every refusal happened when the
     * balance could not cover the request, and the end balance is the grants minus what was charged, exactly.
     */
    @Test
    void concurrentReservationsAndGrantsNeitherOverspendNorLoseACredit() throws Exception {
        Ledger second = new Ledger(database);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        AtomicLong charged = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong granted = new AtomicLong();
        LongAccumulator lowest = new LongAccumulator(Math::min, Long.MAX_VALUE);
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (running.get()) lowest.accumulate(second.balanceOfUser(ALICE));
        });
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                Ledger ledgerOfThisRequest = i % 2 == 0 ? ledger : second;
                long cost = 1 + i % 7;
                work.add(pool.submit(() -> {
                    start.await();
                    try {
                        Reservation r = ledgerOfThisRequest.reserve(ALICE, 10, "model:tiny", "p", later(), "alice", null);
                        charged.addAndGet(ledgerOfThisRequest.settle(r.id(), cost, new Usage(cost, 0), null).orElseThrow());
                    } catch (InsufficientCreditsException e) {
                        if (e.available() >= 10) failures.add(new AssertionError("refused with " + e.available()));
                        refused.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 100; i++) {
                String key = "grant-" + i;
                work.add(pool.submit(() -> {
                    start.await();
                    if (second.grant(ALICE, 25, key, "admin", null).applied()) granted.addAndGet(25);
                    ledger.grant(ALICE, 25, key, "admin", null); // a retry from elsewhere: applied once
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : work) f.get();
        } finally {
            running.set(false);
            watcher.join();
            pool.shutdownNow();
            second.close();
        }
        assertThat(failures).isEmpty();
        assertThat(granted.get()).isEqualTo(2500);
        assertThat(lowest.get()).isGreaterThanOrEqualTo(0);
        assertThat(ledger.balanceOfUser(ALICE)).isEqualTo(granted.get() - charged.get());
        assertThat(ledger.openReservations(null)).isEmpty();
        assertThat(refused.get()).isPositive(); // 2,500 granted cannot pay for 1,000 requests of up to 7
        LedgerVerifier.Report report = ledger.verify();
        assertThat(report.problems()).isEmpty();
    }
}
