package dev.bastion.credits;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Recomputes the ledger from its entries and names every inconsistency: a transaction whose entries do not sum to zero,
 * a cached balance that differs from its entries, a user or hold account below zero, a closed reservation still
 * holding credits, a usage record that disagrees with what its transaction charged.
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
                    + " GROUP BY u.transaction_id, u.credits")) {
                while (r.next()) {
                    if (r.getLong(2) != r.getLong(3)) {
                        problems.add("usage of transaction " + r.getLong(1) + " records " + r.getLong(2)
                                + " credits but the transaction charged " + r.getLong(3));
                    }
                }
            }
            long transactions = count(s, "SELECT COUNT(*) FROM credit_transactions");
            long entries = count(s, "SELECT COUNT(*) FROM credit_entries");
            long open = count(s, "SELECT COUNT(*) FROM credit_transactions t WHERE t.kind = 'reserve'"
                    + " AND NOT EXISTS (SELECT 1 FROM credit_transactions x WHERE x.closes = t.id)");
            return new Report(List.copyOf(problems), transactions, entries, accounts.size(), open);
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
