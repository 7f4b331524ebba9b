package dev.bastion.mcp.builtin.docker;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may start, stop and restart containers: an explicit per-user grant by an admin ({@code bastion mcp docker
 * allow-control USER}); no role implies it, not even admin.
 */
public final class DockerControlGrants {

    public record Grant(String userName, String grantedBy, long grantedAtMillis) {
    }

    private final Database database;
    private final Clock clock;

    public DockerControlGrants(Database database) {
        this(database, Clock.systemUTC());
    }

    public DockerControlGrants(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public boolean allowed(long userId) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM mcp_docker_control WHERE user_id = ?")) {
            s.setLong(1, userId);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading docker control grants failed", e);
        }
    }

    /** Grants control; false if the user already had it. */
    public boolean allow(long userId, String grantedBy) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("INSERT INTO mcp_docker_control (user_id, granted_by, granted_at)"
                     + " SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM mcp_docker_control WHERE user_id = ?)")) {
            s.setLong(1, userId);
            s.setString(2, grantedBy);
            s.setLong(3, clock.millis());
            s.setLong(4, userId);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("granting docker control failed", e);
        }
    }

    /** Withdraws control; false if the user did not have it. */
    public boolean deny(long userId) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("DELETE FROM mcp_docker_control WHERE user_id = ?")) {
            s.setLong(1, userId);
            return s.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("withdrawing docker control failed", e);
        }
    }

    /** Every grant, by user name in code-point order. */
    public List<Grant> list() {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT u.name, g.granted_by, g.granted_at FROM mcp_docker_control g"
                     + " JOIN users u ON u.id = g.user_id");
             ResultSet r = s.executeQuery()) {
            List<Grant> grants = new ArrayList<>();
            while (r.next()) grants.add(new Grant(r.getString(1), r.getString(2), r.getLong(3)));
            grants.sort(java.util.Comparator.comparing(Grant::userName));
            return grants;
        } catch (SQLException e) {
            throw new IllegalStateException("reading docker control grants failed", e);
        }
    }
}
