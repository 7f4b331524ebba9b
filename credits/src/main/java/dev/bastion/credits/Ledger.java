package dev.bastion.credits;

import dev.bastion.security.db.Database;
import org.slf4j.Logger;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The append-only, double-entry credits ledger. Every change is one database transaction that inserts a
 * {@code credit_transactions} row and entries summing to zero; nothing is ever updated or deleted except the
 * {@code credit_balances} cache, which is written in the same database transaction and can be rebuilt from the entries.
 *
 * <p>Overspending is prevented by locking the accounts a transaction touches (in name order, so two transactions never
 * wait on each other) before reading a balance: on SQLite the first write takes the database's single write lock, on
 * PostgreSQL the row locks of those accounts' cached balances. Inside one process, calls are also serialised on one
 * connection, which is faster than opening one per call.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    private static final int ATTEMPTS = 5;

    /** A change posted, or found already posted under its idempotency key ({@code applied} false). */
    public record Posted(long transactionId, boolean applied) {}

    /** A reservation not yet settled or released. */
    public record OpenReservation(long id, long userId, long amount, String subject, String holder, Instant expiresAt,
                                  Instant createdAt, String node) {}

    /** The node name of a single install, and of every reservation made before nodes were recorded. */
    public static final String LOCAL_NODE = "local";

    private final Database database;
    private final Clock clock;
    private final boolean durableCommits;
    private java.util.concurrent.ScheduledExecutorService checkpoints;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection;

    public Ledger(Database database, Clock clock) {
        this(database, clock, false);
    }

    /** @param durableCommits on SQLite, fsync every commit (survives power loss at some 10 ms a request) */
    public Ledger(Database database, Clock clock, boolean durableCommits) {
        this.database = database;
        this.clock = clock;
        this.durableCommits = durableCommits;
    }

    public Ledger(Database database) {
        this(database, Clock.systemUTC());
    }

    // ---- changes -------------------------------------------------------------------------------------------------

    /** Adds {@code amount} to the user out of the mint; a key already used returns the first grant, unchanged. */
    public Posted grant(long userId, long amount, String idempotencyKey, String actor, String requestId) {
        requirePositive(amount);
        return unchecked(() -> inTransaction(c -> {
            Optional<Posted> earlier = replay(c, idempotencyKey, "grant", Accounts.user(userId), amount);
            if (earlier.isPresent()) return earlier.get();
            lock(c, List.of(Accounts.MINT, Accounts.user(userId)));
            long id = insertTransaction(c, "grant", idempotencyKey, null, actor, requestId, null, null, null, null, null, null);
            post(c, id, Map.of(Accounts.MINT, -amount, Accounts.user(userId), amount));
            return new Posted(id, true);
        }));
    }

    /** Moves credits between users; refused, with nothing written, when the sender cannot cover them. */
    public Posted transfer(long fromUserId, long toUserId, long amount, String idempotencyKey, String actor,
                           String requestId) throws InsufficientCreditsException {
        requirePositive(amount);
        if (fromUserId == toUserId) throw new IllegalArgumentException("a transfer needs two different users");
        String from = Accounts.user(fromUserId);
        String to = Accounts.user(toUserId);
        return inTransaction(c -> {
            Optional<Posted> earlier = replay(c, idempotencyKey, "transfer", to, amount);
            if (earlier.isPresent()) return earlier.get();
            lock(c, List.of(from, to));
            long available = balance(c, from);
            if (available < amount) throw new InsufficientCreditsException(available, amount);
            long id = insertTransaction(c, "transfer", idempotencyKey, null, actor, requestId, null, null, null, null, null, null);
            post(c, id, Map.of(from, -amount, to, amount));
            return new Posted(id, true);
        });
    }

    /**
     * Sets aside {@code amount} of the user's credits for one request, or refuses with nothing written.
     *
     * @param holder the server process that will settle it: reservations of a process that died are released at the
     *               next start
     */
    public Reservation reserve(long userId, long amount, String subject, String holder, Instant expiresAt, String actor,
                               String requestId) throws InsufficientCreditsException {
        return reserve(userId, amount, subject, LOCAL_NODE, holder, expiresAt, actor, requestId);
    }

    /**
     * Sets aside {@code amount} for one request on {@code node} (of a cluster sharing this database), by its process
     * {@code holder}; or refuses with nothing written.
     */
    public Reservation reserve(long userId, long amount, String subject, String node, String holder, Instant expiresAt,
                               String actor, String requestId) throws InsufficientCreditsException {
        if (amount < 0) throw new IllegalArgumentException("a reservation cannot be negative");
        String user = Accounts.user(userId);
        return inTransaction(c -> {
            lock(c, List.of(user));
            long available = balance(c, user);
            if (available < amount) throw new InsufficientCreditsException(available, amount);
            long id = insertTransaction(c, "reserve", null, null, actor, requestId, subject, holder, expiresAt, node, null, null);
            // posted even when zero (a free model): the entry names whose reservation it is, for its settlement
            post(c, id, Map.of(user, -amount, Accounts.hold(id), amount), true);
            return new Reservation(id, userId, amount, subject);
        });
    }

    /**
     * Charges what the request used (at most what was reserved) and gives the rest back, exactly once: empty when the
     * reservation was already settled or released. The charge goes to {@code revenue:<subject>}.
     */
    public OptionalLong settle(long reservationId, long charge, Usage usage, String requestId) {
        return settle(reservationId, charge, usage, requestId, null);
    }

    /**
     * Settles as {@link #settle(long, long, Usage, String)}, but in the same transaction pays the charge to the owner
     * of the node that served the request, {@code earner}, less the network fee in force (read in this transaction,
     * so every node applies the same rate), which goes to {@link Accounts#NETWORK}. Null {@code earner}: no owner,
     * the charge goes to {@code revenue:<subject>}. When the requester is the owner, they pay just the fee.
     */
    public OptionalLong settle(long reservationId, long charge, Usage usage, String requestId, Long earner) {
        if (charge < 0) throw new IllegalArgumentException("a charge cannot be negative");
        return unchecked(() -> inTransaction(c -> close(c, reservationId, "settle", charge, usage, requestId, earner)));
    }

    /** Gives a reservation back in full, exactly once: false when it was already closed. */
    public boolean release(long reservationId, String requestId) {
        return unchecked(() -> inTransaction(c -> close(c, reservationId, "release", 0, null, requestId, null))).isPresent();
    }

    /** Releases the abandoned reservations of the {@link #LOCAL_NODE} (a single node): see the two-argument form. */
    public int releaseAbandoned(String liveHolder) {
        return releaseAbandoned(LOCAL_NODE, liveHolder);
    }

    /**
     * Releases the open reservations no live process will settle: those of {@code node} held by another process than
     * {@code liveHolder} (earlier runs of this node; pass null to treat every holder as dead, as at start), and anyone's
     * past their expiry. Other nodes' reservations are theirs to settle: a dead node's are released by
     * {@link #releaseNode}.
     */
    public int releaseAbandoned(String node, String liveHolder) {
        Instant now = clock.instant();
        int released = 0;
        for (OpenReservation open : openReservations(null)) {
            boolean dead = node.equals(open.node()) && (liveHolder == null || !liveHolder.equals(open.holder()));
            boolean expired = open.expiresAt() != null && open.expiresAt().isBefore(now);
            if ((dead || expired) && release(open.id(), null)) released++;
        }
        if (released > 0) LOG.info("released {} abandoned credit reservation(s)", released);
        return released;
    }

    /**
     * Releases the open reservations {@code node} made before {@code before}: the node left the cluster then, and no
     * process of it will settle them (a restarted process of it makes new ones, later). Exactly once, whoever calls:
     * each release closes its reservation under the UNIQUE {@code closes}, so survivors racing here are harmless.
     */
    public int releaseNode(String node, Instant before) {
        int released = 0;
        for (OpenReservation open : openReservations(null)) {
            if (node.equals(open.node()) && open.createdAt().isBefore(before) && release(open.id(), null)) released++;
        }
        if (released > 0) LOG.info("released {} credit reservation(s) of node {}, which left the cluster", released, node);
        return released;
    }

    /**
     * Charges up to {@code amount} after the fact (an embedding's tokens are known only once it ran): never more than
     * the balance, so a balance never goes negative. Returns what was charged.
     */
    public long chargeAfter(long userId, long amount, String subject, Usage usage, String actor, String requestId) {
        return chargeAfter(userId, amount, subject, usage, actor, requestId, null, null);
    }

    /**
     * Charges after the fact on {@code node}, paying {@code earner} (the node's owner; null: {@code revenue:<subject>})
     * the charge less the network fee, in the same transaction, as {@link #settle(long, long, Usage, String, Long)}.
     */
    public long chargeAfter(long userId, long amount, String subject, Usage usage, String actor, String requestId,
                            String node, Long earner) {
        if (amount < 0) throw new IllegalArgumentException("a charge cannot be negative");
        String user = Accounts.user(userId);
        return unchecked(() -> inTransaction(c -> {
            Split split = Split.of(c, earner, subject);
            List<String> accounts = new ArrayList<>(split.accounts());
            accounts.add(user);
            lock(c, accounts);
            long charged = Math.min(amount, Math.max(0, balance(c, user)));
            long id = insertTransaction(c, "charge", null, null, actor, requestId, subject, null, null, node,
                    split.earner(), split.feeBasisPoints());
            Map<String, Long> amounts = new TreeMap<>();
            amounts.put(user, -charged);
            split.pay(amounts, charged);
            post(c, id, amounts);
            recordUsage(c, id, userId, subject, usage, charged);
            return charged;
        }));
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    /** The cached balance of any account (0 for one never used). */
    public long balance(String account) {
        return read(c -> balance(c, account));
    }

    public long balanceOfUser(long userId) {
        return balance(Accounts.user(userId));
    }

    /** Open reservations, oldest first; of one user, or of everyone when {@code userId} is null. */
    public List<OpenReservation> openReservations(Long userId) {
        String sql = "SELECT t.id, t.subject, t.holder, t.expires_at, t.created_at, e.account, e.amount, t.node"
                + " FROM credit_transactions t JOIN credit_entries e ON e.transaction_id = t.id AND e.account LIKE 'user:%'"
                + " WHERE t.kind = 'reserve' AND NOT EXISTS (SELECT 1 FROM credit_transactions x WHERE x.closes = t.id)"
                + (userId == null ? "" : " AND e.account = ?") + " ORDER BY t.id";
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                if (userId != null) s.setString(1, Accounts.user(userId));
                List<OpenReservation> open = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        long expires = r.getLong(4);
                        Instant expiresAt = r.wasNull() ? null : Instant.ofEpochMilli(expires);
                        open.add(new OpenReservation(r.getLong(1), Accounts.userId(r.getString(6)), -r.getLong(7),
                                r.getString(2), r.getString(3), expiresAt, Instant.ofEpochMilli(r.getLong(5)),
                                r.getString(8)));
                    }
                }
                return open;
            }
        });
    }

    /** The newest entries of an account, newest first. */
    public List<Entry> history(String account, int limit) {
        String sql = "SELECT t.id, t.kind, e.account, e.amount, t.subject, t.actor, t.request_id, t.created_at, t.node,"
                + " t.earner, u.user_id"
                + " FROM credit_entries e JOIN credit_transactions t ON t.id = e.transaction_id"
                + " LEFT JOIN credit_usage u ON u.transaction_id = t.id"
                + " WHERE e.account = ? ORDER BY e.id DESC";
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, account);
                s.setMaxRows(Math.max(1, limit));
                List<Entry> entries = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        // an owner's earnings; an owner's own request on their node is a settlement (they pay the fee)
                        long requester = r.getLong(11);
                        boolean noUsage = r.wasNull();
                        boolean earning = r.getString(3).equals(r.getString(10))
                                && (noUsage || !Accounts.user(requester).equals(r.getString(3)));
                        entries.add(new Entry(r.getLong(1), r.getString(2), r.getString(3), r.getLong(4), r.getString(5),
                                r.getString(6), r.getString(7), Instant.ofEpochMilli(r.getLong(8)), r.getString(9), earning));
                    }
                }
                return entries;
            }
        });
    }

    /** What one node's owner earned: over {@code requests} charges, {@code charged} credits, of which {@code fees} went to the network. */
    public record Earnings(String node, long ownerUserId, long requests, long charged, long fees) {
        public long earned() {
            return charged - fees;
        }
    }

    /** Earnings per serving node and owner, from the charges that paid an owner; by node, then owner. */
    public List<Earnings> earnings() {
        // one usage row per transaction (UNIQUE) and at most one entry per account in it, so the joins do not multiply
        String sql = "SELECT t.node, t.earner, COUNT(*), SUM(u.credits), SUM(COALESCE(f.amount, 0))"
                + " FROM credit_transactions t JOIN credit_usage u ON u.transaction_id = t.id"
                + " LEFT JOIN credit_entries f ON f.transaction_id = t.id AND f.account = '" + Accounts.NETWORK + "'"
                + " WHERE t.earner IS NOT NULL GROUP BY t.node, t.earner ORDER BY t.node, t.earner";
        return read(c -> {
            List<Earnings> all = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    all.add(new Earnings(r.getString(1) == null ? LOCAL_NODE : r.getString(1), Accounts.userId(r.getString(2)),
                            r.getLong(3), r.getLong(4), r.getLong(5)));
                }
            }
            return all;
        });
    }

    /** The network fee in force for every node sharing this database: the newest one set, else {@link NetworkFee#DEFAULT}. */
    public NetworkFee networkFee() {
        return read(Ledger::networkFee);
    }

    /** Whether an admin (or a node's {@code BASTION_NETWORK_FEE}) has ever set the fee in this database. */
    public boolean networkFeeSet() {
        return read(c -> {
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM credit_network_fees")) {
                return r.next() && r.getLong(1) > 0;
            }
        });
    }

    /** Sets the network fee for every node sharing this database, from the next charge on; the history stays. */
    public void setNetworkFee(NetworkFee fee, String actor) {
        unchecked(() -> inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO credit_network_fees (basis_points, actor, created_at) VALUES (?, ?, ?)")) {
                s.setInt(1, fee.basisPoints());
                s.setString(2, actor);
                s.setLong(3, clock.millis());
                s.executeUpdate();
            }
            return null;
        }));
    }

    /** Recomputes everything from the entries; see {@link LedgerVerifier}. */
    public LedgerVerifier.Report verify() {
        return unchecked(() -> inTransaction(LedgerVerifier::verify)); // one consistent view of every table
    }

    /** Replaces the balance cache with the sums of the entries; returns the number of accounts. */
    public int rebuildBalances() {
        return unchecked(() -> inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM credit_balances");
                return s.executeUpdate("INSERT INTO credit_balances (account, balance)"
                        + " SELECT account, SUM(amount) FROM credit_entries GROUP BY account");
            }
        }));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (checkpoints != null) checkpoints.shutdownNow();
            dropConnection();
        } finally {
            lock.unlock();
        }
    }

    // ---- inside a transaction ------------------------------------------------------------------------------------

    private OptionalLong close(Connection c, long reservationId, String kind, long charge, Usage usage, String requestId,
                               Long earner) throws SQLException {
        String subject;
        String actor;
        String node;
        try (PreparedStatement s = c.prepareStatement(
                "SELECT subject, actor, node FROM credit_transactions WHERE id = ? AND kind = 'reserve'")) {
            s.setLong(1, reservationId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) throw new IllegalArgumentException("no reservation " + reservationId);
                subject = r.getString(1);
                actor = r.getString(2);
                node = r.getString(3);
            }
        }
        String hold = Accounts.hold(reservationId);
        String user = null;
        long held = 0;
        try (PreparedStatement s = c.prepareStatement("SELECT account, amount FROM credit_entries WHERE transaction_id = ?")) {
            s.setLong(1, reservationId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    if (r.getString(1).equals(hold)) held = r.getLong(2);
                    else user = r.getString(1);
                }
            }
        }
        // a release pays no one; a settlement pays the serving node's owner or revenue:<subject>. A reservation that held
        // nothing from before zero entries were posted names no user: it closes with nothing to move or record.
        Split split = Split.of(c, kind.equals("settle") && user != null ? earner : null, subject);
        List<String> accounts = new ArrayList<>(split.accounts());
        accounts.add(hold);
        if (user != null) accounts.add(user);
        lock(c, accounts);
        if (closed(c, reservationId)) return OptionalLong.empty();
        long charged = Math.min(charge, held);
        if (charge > held) {
            LOG.warn("reservation {} used {} credits but held {}; charged what was held", reservationId, charge, held);
        }
        // a settlement names the node that served it (the one that reserved); a release may come from a survivor
        long id = insertTransaction(c, kind, null, reservationId, actor, requestId, subject, null, null,
                kind.equals("settle") ? node : null, split.earner(), split.feeBasisPoints());
        Map<String, Long> amounts = new TreeMap<>();
        amounts.put(hold, -held);
        if (user != null) amounts.merge(user, held - charged, Long::sum);
        split.pay(amounts, charged);
        post(c, id, amounts);
        if (user != null && (usage != null || split.earner() != null)) {
            recordUsage(c, id, Accounts.userId(user), subject, usage == null ? Usage.NONE : usage, charged);
        }
        return OptionalLong.of(charged);
    }

    /**
     * Where a charge goes: to {@code revenue:<subject>}, or to the earner's account less the network fee in force,
     * read inside the charging transaction.
     */
    private record Split(String revenue, String earner, NetworkFee fee) {

        static Split of(Connection c, Long earnerUserId, String subject) throws SQLException {
            if (earnerUserId == null) return new Split(Accounts.revenue(subject == null ? "unknown" : subject), null, null);
            return new Split(null, Accounts.user(earnerUserId), networkFee(c));
        }

        List<String> accounts() {
            return earner == null ? List.of(revenue) : List.of(earner, Accounts.NETWORK);
        }

        Integer feeBasisPoints() {
            return fee == null ? null : fee.basisPoints();
        }

        void pay(Map<String, Long> amounts, long charged) {
            if (earner == null) {
                amounts.merge(revenue, charged, Long::sum);
                return;
            }
            amounts.merge(earner, fee.earningsOn(charged), Long::sum);
            amounts.merge(Accounts.NETWORK, fee.feeOn(charged), Long::sum);
        }
    }

    private static NetworkFee networkFee(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT basis_points FROM credit_network_fees ORDER BY id DESC")) {
            s.setMaxRows(1);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? new NetworkFee(r.getInt(1)) : NetworkFee.DEFAULT;
            }
        }
    }

    private static boolean closed(Connection c, long reservationId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM credit_transactions WHERE closes = ?")) {
            s.setLong(1, reservationId);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /** The transaction already posted under this key, if any; the same key with other terms is a client error. */
    private static Optional<Posted> replay(Connection c, String key, String kind, String account, long amount)
            throws SQLException {
        if (key == null) return Optional.empty();
        try (PreparedStatement s = c.prepareStatement("SELECT t.id, t.kind, e.amount FROM credit_transactions t"
                + " LEFT JOIN credit_entries e ON e.transaction_id = t.id AND e.account = ? WHERE t.idempotency_key = ?")) {
            s.setString(1, account);
            s.setString(2, key);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) return Optional.empty();
                if (!kind.equals(r.getString(2)) || r.getLong(3) != amount) {
                    throw new IllegalArgumentException("idempotency key already used for a different " + r.getString(2));
                }
                return Optional.of(new Posted(r.getLong(1), false));
            }
        }
    }

    /** Takes the write locks of these accounts' cached balances, in name order. */
    private static void lock(Connection c, List<String> accounts) throws SQLException {
        for (String account : new java.util.TreeSet<>(accounts)) {
            ensureBalanceRow(c, account);
            try (PreparedStatement s = c.prepareStatement("UPDATE credit_balances SET balance = balance WHERE account = ?")) {
                s.setString(1, account);
                s.executeUpdate();
            }
        }
    }

    private static void ensureBalanceRow(Connection c, String account) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO credit_balances (account, balance) VALUES (?, 0) ON CONFLICT (account) DO NOTHING")) {
            s.setString(1, account);
            s.executeUpdate();
        }
    }

    private static long balance(Connection c, String account) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT balance FROM credit_balances WHERE account = ?")) {
            s.setString(1, account);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    private long insertTransaction(Connection c, String kind, String key, Long closes, String actor, String requestId,
                                   String subject, String holder, Instant expiresAt, String node, String earner,
                                   Integer feeBasisPoints) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO credit_transactions (kind, idempotency_key, closes,"
                + " actor, request_id, subject, holder, expires_at, created_at, node, earner, fee_bp)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, kind);
            s.setString(2, key);
            if (closes == null) s.setNull(3, Types.BIGINT); else s.setLong(3, closes);
            s.setString(4, actor);
            s.setString(5, requestId);
            s.setString(6, subject);
            s.setString(7, holder);
            if (expiresAt == null) s.setNull(8, Types.BIGINT); else s.setLong(8, expiresAt.toEpochMilli());
            s.setLong(9, clock.millis());
            s.setString(10, node);
            s.setString(11, earner);
            if (feeBasisPoints == null) s.setNull(12, Types.INTEGER); else s.setInt(12, feeBasisPoints);
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Inserts the entries (zero amounts left out) and moves the cached balances with them. */
    private static void post(Connection c, long transactionId, Map<String, Long> amounts) throws SQLException {
        post(c, transactionId, amounts, false);
    }

    private static void post(Connection c, long transactionId, Map<String, Long> amounts, boolean keepZeros)
            throws SQLException {
        long sum = amounts.values().stream().mapToLong(Long::longValue).sum();
        if (sum != 0) throw new IllegalStateException("transaction " + transactionId + " would not balance: " + sum);
        for (Map.Entry<String, Long> entry : new TreeMap<>(amounts).entrySet()) {
            if (entry.getValue() == 0 && !keepZeros) continue;
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO credit_entries (transaction_id, account, amount) VALUES (?, ?, ?)")) {
                s.setLong(1, transactionId);
                s.setString(2, entry.getKey());
                s.setLong(3, entry.getValue());
                s.executeUpdate();
            }
            ensureBalanceRow(c, entry.getKey());
            try (PreparedStatement s = c.prepareStatement("UPDATE credit_balances SET balance = balance + ? WHERE account = ?")) {
                s.setLong(1, entry.getValue());
                s.setString(2, entry.getKey());
                s.executeUpdate();
            }
        }
    }

    private void recordUsage(Connection c, long transactionId, long userId, String subject, Usage usage, long credits)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO credit_usage (transaction_id, user_id, subject, day,"
                + " prompt_tokens, generated_tokens, credits) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            s.setLong(1, transactionId);
            s.setLong(2, userId);
            s.setString(3, subject == null ? "unknown" : subject);
            s.setString(4, clock.instant().atOffset(ZoneOffset.UTC).toLocalDate().toString());
            s.setLong(5, usage.promptTokens());
            s.setLong(6, usage.generatedTokens());
            s.setLong(7, credits);
            s.executeUpdate();
        }
    }

    private static void requirePositive(long amount) {
        if (amount <= 0) throw new IllegalArgumentException("the amount must be a positive whole number of credits");
    }

    // ---- plumbing ------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException, InsufficientCreditsException;
    }

    @FunctionalInterface
    private interface Unchecked<T> {
        T run() throws InsufficientCreditsException;
    }

    private static <T> T unchecked(Unchecked<T> work) {
        try {
            return work.run();
        } catch (InsufficientCreditsException e) {
            throw new IllegalStateException("unexpected balance check", e);
        }
    }

    /** Reads outside a transaction (each statement sees the latest commit), so a reader never waits for a writer. */
    <T> T read(Work<T> work) {
        lock.lock();
        try {
            return work.run(connection());
        } catch (SQLException e) {
            dropConnection();
            throw new LedgerException("reading the credits ledger failed: " + e.getMessage(), e);
        } catch (InsufficientCreditsException e) {
            throw new IllegalStateException("unexpected balance check", e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs the work in one database transaction, retrying when the database reports a conflict with another writer. */
    private <T> T inTransaction(Work<T> work) throws InsufficientCreditsException {
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                Connection c;
                try {
                    c = connection();
                } catch (SQLException e) {
                    throw new LedgerException("the credits ledger cannot reach its database: " + e.getMessage(), e);
                }
                try {
                    c.setAutoCommit(false);
                    T result = work.run(c);
                    c.commit();
                    c.setAutoCommit(true);
                    return result;
                } catch (SQLException e) {
                    rollback(c);
                    if (attempt < ATTEMPTS && retryable(e)) {
                        backOff(attempt);
                        continue;
                    }
                    dropConnection();
                    throw new LedgerException("the credits ledger failed: " + e.getMessage(), e);
                } catch (RuntimeException | InsufficientCreditsException e) {
                    rollback(c);
                    throw e;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Serialization failures, deadlocks and unique-key races (a concurrent replay of the same key) are retried. */
    private static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        if (state != null && (state.equals("40001") || state.equals("40P01") || state.equals("23505"))) return true;
        int code = e.getErrorCode() & 0xff;
        return code == 5 || code == 6 || code == 19; // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CONSTRAINT
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // Held for the ledger's life, so not one of the pool's (which would leave the pool one short for good).
            connection = database.dedicatedConnection();
            if (connection.isWrapperFor(SQLiteConnection.class)) {
                // Take SQLite's write lock when the transaction begins: a transaction that reads first and writes later
                // fails at once (SQLITE_BUSY, no waiting) when another connection wrote in between.
                connection.unwrap(SQLiteConnection.class).getConnectionConfig().setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
                // In WAL mode NORMAL still survives a crashed process (kill -9) with every committed transaction; only a
                // power cut can undo the last commits, each whole, leaving the ledger balanced. FULL would fsync twice
                // per request, some 10 ms on ordinary disks.
                try (Statement s = connection.createStatement()) {
                    s.execute("PRAGMA synchronous = " + (durableCommits ? "FULL" : "NORMAL"));
                    // A commit that crosses the WAL's size limit would copy it back into the database and fsync, a few
                    // milliseconds: left to a background checkpoint instead, so that no request pays for it.
                    s.execute("PRAGMA wal_autocheckpoint = 0");
                }
                startCheckpoints();
            }
        }
        return connection;
    }

    private void startCheckpoints() {
        if (checkpoints != null) return;
        checkpoints = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("credits-wal-checkpoint").factory());
        checkpoints.scheduleWithFixedDelay(() -> {
            try (Connection c = database.connection(); Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(PASSIVE)"); // never waits for, nor blocks, a writer
            } catch (SQLException e) {
                LOG.debug("WAL checkpoint skipped: {}", e.getMessage());
            }
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 10L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void rollback(Connection c) {
        try {
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException e) {
            dropConnection();
        }
    }

    private void dropConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // already unusable
        }
        connection = null;
    }
}
