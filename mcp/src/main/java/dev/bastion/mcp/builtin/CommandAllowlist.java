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

    /**
     * @param path the canonical path that is run
     * @param requestedPath what the admin typed
     * @param denyArguments RE2 patterns: a call with an argument matching one of them in full is refused
     */
    public record AllowedCommand(String path, String requestedPath, List<String> denyArguments, String addedBy,
                                 Instant createdAt) {
        public AllowedCommand {
            denyArguments = List.copyOf(denyArguments);
        }

        /** The 1-based position of the first argument a deny pattern matches, or 0. */
        public int deniedArgument(List<String> arguments) {
            List<com.google.re2j.Pattern> patterns = denyArguments.stream().map(com.google.re2j.Pattern::compile).toList();
            for (int i = 0; i < arguments.size(); i++) {
                for (com.google.re2j.Pattern pattern : patterns) {
                    if (pattern.matches(arguments.get(i))) return i + 1;
                }
            }
            return 0;
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String COLUMNS = "path, requested_path, deny_args, added_by, created_at";

    private final Database database;
    private final Clock clock;

    public CommandAllowlist(Database database) {
        this(database, Clock.systemUTC());
    }

    CommandAllowlist(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public AllowedCommand allow(String requested, String addedBy) {
        return allow(requested, List.of(), addedBy);
    }

    /**
     * Allows the executable at {@code requested} (an absolute path) with these argument deny patterns; allowing it
     * again replaces its patterns. Returns what is stored.
     */
    public AllowedCommand allow(String requested, List<String> denyArguments, String addedBy) {
        Path real = executable(requested);
        for (String pattern : denyArguments) {
            try {
                com.google.re2j.Pattern.compile(pattern);
            } catch (com.google.re2j.PatternSyntaxException e) {
                throw new IllegalArgumentException("not an RE2 regular expression: " + pattern);
            }
        }
        String patterns = denyArguments.isEmpty() ? null : json(denyArguments);
        Optional<AllowedCommand> existing = find(real);
        if (existing.isPresent()) {
            update("UPDATE mcp_allowed_commands SET deny_args = ? WHERE path = ?", patterns, real.toString());
            return find(real).orElseThrow();
        }
        AllowedCommand command = new AllowedCommand(real.toString(), requested, denyArguments, addedBy, clock.instant());
        update("INSERT INTO mcp_allowed_commands (path, requested_path, deny_args, added_by, created_at) VALUES (?, ?, ?, ?, ?)",
                command.path(), command.requestedPath(), patterns, addedBy, command.createdAt().toEpochMilli());
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
        List<AllowedCommand> commands = query("SELECT " + COLUMNS + " FROM mcp_allowed_commands", null);
        commands.sort(Comparator.comparing(AllowedCommand::path));
        return commands;
    }

    public Optional<AllowedCommand> find(Path canonical) {
        return query("SELECT " + COLUMNS + " FROM mcp_allowed_commands WHERE path = ?",
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

    private static String json(List<String> patterns) {
        try {
            return JSON.writeValueAsString(patterns);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> patterns(String json) {
        if (json == null) return List.of();
        try {
            return List.of(JSON.readValue(json, String[].class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the command allowlist holds unreadable deny patterns", e);
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
                    commands.add(new AllowedCommand(rows.getString(1), rows.getString(2), patterns(rows.getString(3)),
                            rows.getString(4), Instant.ofEpochMilli(rows.getLong(5))));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the command allowlist failed: " + e.getMessage(), e);
        }
        return commands;
    }
}
