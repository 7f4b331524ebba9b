package dev.bastion.security;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Creates, lists and disables users. */
public final class UserService {

    /**
     * Names end up in logs, audit records and file listings: keep them plain. A user's name is also their model
     * namespace ({@code alice/mine}), so it follows the store's namespace grammar: lower case, no {@code ..}, and not
     * the shared namespace {@value #SHARED_NAMESPACE}.
     */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final String SHARED_NAMESPACE = "library";

    private final Database database;
    private final Clock clock;

    public UserService(Database database) {
        this(database, Clock.systemUTC());
    }

    public UserService(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public User create(String name, Role role) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..") || name.equals(SHARED_NAMESPACE)) {
            throw new IllegalArgumentException("invalid user name '" + name + "' (it is the user's model namespace: 1-64"
                    + " chars: lower-case letters, digits, '.', '_', '-'; starting with a letter or digit; no '..'; not '"
                    + SHARED_NAMESPACE + "')");
        }
        if (find(name).isPresent()) {
            throw new IllegalArgumentException("user '" + name + "' already exists");
        }
        Instant now = clock.instant();
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO users (name, role, created_at, disabled) VALUES (?, ?, ?, 0)",
                     Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, name);
            s.setString(2, role.id());
            s.setLong(3, now.toEpochMilli());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return new User(keys.getLong(1), name, role, now, false);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("creating user '" + name + "' failed: " + e.getMessage(), e);
        }
    }

    public Optional<User> find(String name) {
        List<User> users = query("SELECT id, name, role, created_at, disabled FROM users WHERE name = ?", name);
        return users.stream().findFirst();
    }

    /** Users by name in plain code-point order (ORDER BY would follow the PostgreSQL database's collation). */
    public List<User> list() {
        List<User> users = query("SELECT id, name, role, created_at, disabled FROM users", null);
        users.sort(java.util.Comparator.comparing(User::name));
        return users;
    }

    public boolean isEmpty() {
        return list().isEmpty();
    }

    /**
     * Disables a user; all of its keys stop working at once. The last active admin cannot be disabled: nobody could
     * then administer the server over HTTP. The check is part of the UPDATE, so two concurrent calls on SQLite cannot
     * both pass it.
     */
    public void disable(String name) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("UPDATE users SET disabled = 1 WHERE name = ? AND (role <> ?"
                     + " OR (SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0 AND name <> ?) > 0)")) {
            s.setString(1, name);
            s.setString(2, Role.ADMIN.id());
            s.setString(3, Role.ADMIN.id());
            s.setString(4, name);
            if (s.executeUpdate() == 0) {
                User user = find(name).orElseThrow(() -> new IllegalArgumentException("no user named '" + name + "'"));
                throw new IllegalArgumentException("user '" + user.name() + "' is the last active admin; create"
                        + " another admin before disabling it");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("disabling user '" + name + "' failed: " + e.getMessage(), e);
        }
    }

    /**
     * Re-enables a disabled user. Its keys that are neither revoked nor expired work again: disabling suspends a
     * user, revoking ends a key (revoke them first if they may have leaked while the user was disabled).
     */
    public void enable(String name) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("UPDATE users SET disabled = 0 WHERE name = ?")) {
            s.setString(1, name);
            if (s.executeUpdate() == 0) {
                throw new IllegalArgumentException("no user named '" + name + "'");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("enabling user '" + name + "' failed: " + e.getMessage(), e);
        }
    }

    /**
     * Gives a user another role. The last active admin cannot be made a plain user (nobody could then administer the
     * server over HTTP); as in {@link #disable}, the check is part of the UPDATE.
     */
    public void setRole(String name, Role role) {
        String guard = role == Role.ADMIN ? "" : " AND (role <> ? OR disabled <> 0"
                + " OR (SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0 AND name <> ?) > 0)";
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("UPDATE users SET role = ? WHERE name = ?" + guard)) {
            s.setString(1, role.id());
            s.setString(2, name);
            if (role != Role.ADMIN) {
                s.setString(3, Role.ADMIN.id());
                s.setString(4, Role.ADMIN.id());
                s.setString(5, name);
            }
            if (s.executeUpdate() == 0) {
                User user = find(name).orElseThrow(() -> new IllegalArgumentException("no user named '" + name + "'"));
                throw new IllegalArgumentException("user '" + user.name() + "' is the last active admin; make another"
                        + " user admin first");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("changing the role of user '" + name + "' failed: " + e.getMessage(), e);
        }
    }

    private List<User> query(String sql, String parameter) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (parameter != null) {
                s.setString(1, parameter);
            }
            List<User> users = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    users.add(new User(r.getLong(1), r.getString(2), Role.parse(r.getString(3)),
                            Instant.ofEpochMilli(r.getLong(4)), r.getInt(5) != 0));
                }
            }
            return users;
        } catch (SQLException e) {
            throw new IllegalStateException("reading users failed: " + e.getMessage(), e);
        }
    }
}
