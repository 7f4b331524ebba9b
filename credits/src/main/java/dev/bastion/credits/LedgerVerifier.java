package dev.bastion.credits;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Recomputes the ledger from its entries and names every inconsistency: a transaction whose entries do not sum to zero,
 * a cached balance that differs from its entries, a user or hold account below zero, a closed reservation still
 * holding credits, a usage record that disagrees with what its transaction charged, a charge that paid a node's owner
 * other than its recorded fee rate says (the owner's share, the network's fee and the refund are recomputed from the
 * charge).
 */
public final class LedgerVerifier {

    /** {@code problems} is empty when the ledger is consistent. */
    public record Report(List<String> problems, long transactions, long entries, long accounts, long openReservations) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private LedgerVerifier() {
    }

    static Report verify(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT t.id, t.kind, COALESCE(SUM(e.amount), 0), COUNT(e.id)"
                    + " FROM credit_transactions t LEFT JOIN credit_entries e ON e.transaction_id = t.id"
                    + " GROUP BY t.id, t.kind ORDER BY t.id")) {
                while (r.next()) {
                    if (r.getLong(3) != 0) {
                        problems.add("transaction " + r.getLong(1) + " (" + r.getString(2) + ") does not balance: its entries sum to "
                                + r.getLong(3));
                    }
                }
            }
            try (ResultSet r = s.executeQuery("SELECT e.id, e.transaction_id FROM credit_entries e"
                    + " WHERE NOT EXISTS (SELECT 1 FROM credit_transactions t WHERE t.id = e.transaction_id)")) {
                while (r.next()) problems.add("entry " + r.getLong(1) + " belongs to no transaction");
            }
            Map<String, Long> derived = sums(s, "SELECT account, SUM(amount) FROM credit_entries GROUP BY account");
            Map<String, Long> cached = sums(s, "SELECT account, balance FROM credit_balances");
            TreeSet<String> accounts = new TreeSet<>(derived.keySet());
            accounts.addAll(cached.keySet());
            for (String account : accounts) {
                long entries = derived.getOrDefault(account, 0L);
                long cache = cached.getOrDefault(account, 0L);
                if (entries != cache) {
                    problems.add("account " + account + ": cached balance " + cache + " but its entries sum to " + entries);
                }
                if (entries < 0 && (account.startsWith("user:") || account.startsWith("hold:"))) {
                    problems.add("account " + account + " is below zero: " + entries);
                }
            }
            try (ResultSet r = s.executeQuery("SELECT x.closes FROM credit_transactions x WHERE x.closes IS NOT NULL")) {
                List<Long> closed = new ArrayList<>();
                while (r.next()) closed.add(r.getLong(1));
                for (long reservation : closed) {
                    long held = derived.getOrDefault(Accounts.hold(reservation), 0L);
                    if (held != 0) problems.add("reservation " + reservation + " is closed but still holds " + held);
                }
            }
            try (ResultSet r = s.executeQuery("SELECT u.transaction_id, u.credits, COALESCE(SUM(e.amount), 0)"
                    + " FROM credit_usage u JOIN credit_transactions t ON t.id = u.transaction_id"
                    + " LEFT JOIN credit_entries e ON e.transaction_id = t.id AND e.account LIKE 'revenue:%'"
                    + " WHERE t.earner IS NULL GROUP BY u.transaction_id, u.credits")) {
                while (r.next()) {
                    if (r.getLong(2) != r.getLong(3)) {
                        problems.add("usage of transaction " + r.getLong(1) + " records " + r.getLong(2)
                                + " credits but the transaction charged " + r.getLong(3));
                    }
                }
            }
            verifyEarnings(s, problems);
            long transactions = count(s, "SELECT COUNT(*) FROM credit_transactions");
            long entries = count(s, "SELECT COUNT(*) FROM credit_entries");
            long open = count(s, "SELECT COUNT(*) FROM credit_transactions t WHERE t.kind = 'reserve'"
                    + " AND NOT EXISTS (SELECT 1 FROM credit_transactions x WHERE x.closes = t.id)");
            return new Report(List.copyOf(problems), transactions, entries, accounts.size(), open);
        }
    }

    /** One charge that paid a node's owner, with its entries as posted. */
    private record Earning(long id, String kind, long closes, String earner, int feeBasisPoints, Long requester,
                           long charged, Map<String, Long> entries) {}

    /**
     * Each charge that paid an owner must post exactly: the hold emptied (a settlement), the requester's refund or charge,
     * the owner's share and the network's fee at the recorded rate, where the charge is what its usage row records.
     */
    private static void verifyEarnings(Statement s, List<String> problems) throws SQLException {
        Map<Long, Earning> earnings = new java.util.LinkedHashMap<>();
        try (ResultSet r = s.executeQuery("SELECT t.id, t.kind, t.closes, t.earner, t.fee_bp, u.user_id, u.credits,"
                + " e.account, e.amount FROM credit_transactions t LEFT JOIN credit_usage u ON u.transaction_id = t.id"
                + " LEFT JOIN credit_entries e ON e.transaction_id = t.id WHERE t.earner IS NOT NULL ORDER BY t.id")) {
            while (r.next()) {
                long id = r.getLong(1);
                Earning earning = earnings.get(id);
                if (earning == null) {
                    long closes = r.getLong(3);
                    int fee = r.getInt(5);
                    boolean noFee = r.wasNull();
                    long requester = r.getLong(6);
                    boolean noUsage = r.wasNull();
                    earning = new Earning(id, r.getString(2), closes, r.getString(4), noFee ? -1 : fee,
                            noUsage ? null : requester, r.getLong(7), new TreeMap<>());
                    earnings.put(id, earning);
                }
                String account = r.getString(8);
                if (account != null) earning.entries().merge(account, r.getLong(9), Long::sum);
            }
        }
        for (Earning e : earnings.values()) {
            if (e.requester() == null || e.feeBasisPoints() < 0 || !(e.kind().equals("settle") || e.kind().equals("charge"))) {
                problems.add("transaction " + e.id() + " (" + e.kind() + ") pays " + e.earner()
                        + " but records no charge or fee rate");
                continue;
            }
            NetworkFee fee = new NetworkFee(e.feeBasisPoints());
            Map<String, Long> expected = new TreeMap<>();
            String requester = Accounts.user(e.requester());
            if (e.kind().equals("settle")) {
                String hold = Accounts.hold(e.closes());
                long held = -e.entries().getOrDefault(hold, 0L);
                expected.put(hold, -held);
                expected.merge(requester, held - e.charged(), Long::sum);
            } else {
                expected.put(requester, -e.charged());
            }
            expected.merge(e.earner(), fee.earningsOn(e.charged()), Long::sum);
            expected.merge(Accounts.NETWORK, fee.feeOn(e.charged()), Long::sum);
            expected.values().removeIf(amount -> amount == 0);
            Map<String, Long> actual = new TreeMap<>(e.entries());
            actual.values().removeIf(amount -> amount == 0);
            if (!expected.equals(actual)) {
                problems.add("transaction " + e.id() + " (" + e.kind() + ") charged " + e.charged() + " at a network fee of "
                        + fee.percent() + ": its entries should be " + expected + " but are " + actual);
            }
        }
    }

    private static Map<String, Long> sums(Statement s, String sql) throws SQLException {
        Map<String, Long> sums = new HashMap<>();
        try (ResultSet r = s.executeQuery(sql)) {
            while (r.next()) sums.put(r.getString(1), r.getLong(2));
        }
        return sums;
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
