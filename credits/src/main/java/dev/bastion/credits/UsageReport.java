package dev.bastion.credits;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Usage totals from the settled charges, grouped by any of user, model and day (UTC). A model is shown by its stored
 * name; other subjects keep their kind ({@code tool:files__read}).
 */
public final class UsageReport {

    public enum GroupBy {
        USER("user_id"), MODEL("subject"), DAY("day");

        private final String column;

        GroupBy(String column) {
            this.column = column;
        }

        public static GroupBy parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("group_by takes user, model and day, not '" + name + "'");
            }
        }
    }

    /** One group; the fields not grouped by are null. */
    public record Row(Long userId, String model, String day, long requests, long promptTokens, long generatedTokens,
                      long credits) {}

    private final Database database;

    public UsageReport(Database database) {
        this.database = database;
    }

    /** Totals between two days inclusive (either may be null), of one user or everyone ({@code userId} null). */
    public List<Row> query(Long userId, LocalDate from, LocalDate to, Set<GroupBy> groupBy) {
        Set<GroupBy> groups = groupBy.isEmpty() ? EnumSet.noneOf(GroupBy.class) : EnumSet.copyOf(groupBy);
        String columns = groups.stream().map(g -> g.column).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT ").append(columns.isEmpty() ? "" : columns + ", ")
                .append("COUNT(*), SUM(prompt_tokens), SUM(generated_tokens), SUM(credits) FROM credit_usage WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        if (userId != null) {
            sql.append(" AND user_id = ?");
            parameters.add(userId);
        }
        if (from != null) {
            sql.append(" AND day >= ?");
            parameters.add(from.toString());
        }
        if (to != null) {
            sql.append(" AND day <= ?");
            parameters.add(to.toString());
        }
        if (!columns.isEmpty()) sql.append(" GROUP BY ").append(columns).append(" ORDER BY ").append(columns);
        List<Row> rows = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) s.setObject(i + 1, parameters.get(i));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    int at = 1;
                    Long user = groups.contains(GroupBy.USER) ? r.getLong(at++) : null;
                    String model = groups.contains(GroupBy.MODEL) ? stripKind(r.getString(at++)) : null;
                    String day = groups.contains(GroupBy.DAY) ? r.getString(at++) : null;
                    long requests = r.getLong(at++);
                    if (requests == 0) continue;
                    rows.add(new Row(user, model, day, requests, r.getLong(at++), r.getLong(at++), r.getLong(at)));
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("reading usage failed: " + e.getMessage(), e);
        }
        return rows;
    }

    private static String stripKind(String subject) {
        return subject.startsWith("model:") ? subject.substring("model:".length()) : subject;
    }
}
