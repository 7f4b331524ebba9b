package dev.bastion.mcp.builtin;

import dev.bastion.security.db.Database;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The executables the {@code shell} tool may run, kept by an admin ({@code bastion mcp allow-command PATH}). A path is
 * stored as its canonical form, symbolic links resolved once when it is allowed: later changes to a link then neither
 * widen nor move the allowlist, and a call is matched by the canonical path of what it names.
 */
public final class CommandAllowlist {

    /** @param path the canonical path that is run; @param requestedPath what the admin typed */
    public record AllowedCommand(String path, String requestedPath, String addedBy, Instant createdAt) {
    }

    private final Database database;
    private final Clock clock;

    public CommandAllowlist(Database database) {
        this(database, Clock.systemUTC());
    }

    CommandAllowlist(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Allows the executable at {@code requested} (an absolute path); returns what is stored. */
    public AllowedCommand allow(String requested, String addedBy) {
        Path real = executable(requested);
        Optional<AllowedCommand> existing = find(real);
        if (existing.isPresent()) return existing.get();
        AllowedCommand command = new AllowedCommand(real.toString(), requested, addedBy, clock.instant());
        update("INSERT INTO mcp_allowed_commands (path, requested_path, added_by, created_at) VALUES (?, ?, ?, ?)",
                command.path(), command.requestedPath(), addedBy, command.createdAt().toEpochMilli());
        return command;
    }

    /** Removes the entry stored for {@code path}: its canonical path, or the path it was allowed as. */
    public boolean disallow(String path) {
        int removed = update("DELETE FROM mcp_allowed_commands WHERE path = ? OR requested_path = ?", path, path);
        if (removed == 0) {
            try {
                removed = update("DELETE FROM mcp_allowed_commands WHERE path = ?", Path.of(path).toRealPath().toString());
            } catch (IOException | RuntimeException gone) {
                // neither stored as given nor resolvable
            }
        }
        return removed > 0;
    }

    public List<AllowedCommand> list() {
        List<AllowedCommand> commands = query("SELECT path, requested_path, added_by, created_at FROM mcp_allowed_commands", null);
        commands.sort(Comparator.comparing(AllowedCommand::path));
        return commands;
    }

    public Optional<AllowedCommand> find(Path canonical) {
        return query("SELECT path, requested_path, added_by, created_at FROM mcp_allowed_commands WHERE path = ?",
                canonical.toString()).stream().findFirst();
    }

    /** The canonical path of an existing regular, executable file named by an absolute path. */
    static Path executable(String requested) {
        if (requested == null || requested.indexOf('\0') >= 0 || !requested.startsWith("/")) {
            throw new IllegalArgumentException("give the absolute path of an executable, e.g. /usr/bin/git");
        }
        try {
            Path real = Path.of(requested).toRealPath();
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() || !Files.isExecutable(real)) {
                throw new IllegalArgumentException(requested + " is not an executable file");
            }
            return real;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(requested + " does not exist or cannot be resolved");
        }
    }

    private int update(String sql, Object... values) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) s.setObject(i + 1, values[i]);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("updating the command allowlist failed: " + e.getMessage(), e);
        }
    }

    private List<AllowedCommand> query(String sql, String parameter) {
        List<AllowedCommand> commands = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (parameter != null) s.setString(1, parameter);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    commands.add(new AllowedCommand(rows.getString(1), rows.getString(2), rows.getString(3),
                            Instant.ofEpochMilli(rows.getLong(4))));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the command allowlist failed: " + e.getMessage(), e);
        }
        return commands;
    }
}
