package dev.bastion.mcp.policy;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules in the security database (table {@code mcp_tool_policy}, migration V10). Read on every decision, no
 * cache, so a change applies to the next call.
 */
public final class ToolPolicyStore {

    private final Database database;
    private final Clock clock;

    public ToolPolicyStore(Database database) {
        this(database, Clock.systemUTC());
    }

    public ToolPolicyStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Every rule, roles first, then users, each by subject and pattern. */
    public List<PolicyRule> list() {
        String sql = "SELECT id, subject_kind, subject, pattern, effect FROM mcp_tool_policy"
                + " ORDER BY subject_kind, subject, pattern, effect";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql);
             ResultSet rows = s.executeQuery()) {
            List<PolicyRule> rules = new ArrayList<>();
            while (rows.next()) {
                rules.add(new PolicyRule(rows.getLong(1), PolicyRule.Kind.parse(rows.getString(2)), rows.getString(3),
                        rows.getString(4), PolicyRule.Effect.parse(rows.getString(5))));
            }
            return rules;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the tool policy", e);
        }
    }

    /** Adds the rule; false if the same rule already exists. */
    public boolean add(PolicyRule rule) {
        if (list().stream().anyMatch(r -> sameRule(r, rule))) return false;
        String sql = "INSERT INTO mcp_tool_policy (subject_kind, subject, pattern, effect, created_at) VALUES (?, ?, ?, ?, ?)";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, rule.kind().id());
            s.setString(2, rule.subject());
            s.setString(3, rule.pattern());
            s.setString(4, rule.effect().id());
            s.setLong(5, clock.millis());
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the tool policy rule", e);
        }
    }

    /** Removes the rule equal to {@code rule} (its id is ignored); false if there is none. */
    public boolean remove(PolicyRule rule) {
        String sql = "DELETE FROM mcp_tool_policy WHERE subject_kind = ? AND subject = ? AND pattern = ? AND effect = ?";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, rule.kind().id());
            s.setString(2, rule.subject());
            s.setString(3, rule.pattern());
            s.setString(4, rule.effect().id());
            return s.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot remove the tool policy rule", e);
        }
    }

    private static boolean sameRule(PolicyRule a, PolicyRule b) {
        return a.kind() == b.kind() && a.subject().equals(b.subject()) && a.pattern().equals(b.pattern())
                && a.effect() == b.effect();
    }
}
