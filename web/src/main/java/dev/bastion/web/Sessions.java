package dev.bastion.web;

import dev.bastion.security.Role;
import dev.bastion.security.db.Database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Server-side sessions: a random 256-bit id (the cookie value) and a CSRF token, both stored only as SHA-256 hashes.
 * A session ends after {@code idle} without use or {@code absolute} after sign-in, at sign-out, when the user's
 * password changes, and is refused while the user is disabled.
 */
public final class Sessions {

    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);
    public static final Duration DEFAULT_ABSOLUTE = Duration.ofHours(12);
    /** 32 random bytes, base64url without padding: anything else is not one of ours and is never looked up. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");

    /** A new session: the two secrets are handed out once, here. */
    public record Created(String id, String csrfToken) {
    }

    /** @param secondFactor whether the user has TOTP enabled (their role's policy may require it) */
    public record Session(String idHash, long userId, String userName, Role role, String csrfHash, boolean secondFactor) {
        public boolean csrfMatches(String token) {
            return token != null && TOKEN.matcher(token).matches()
                    && MessageDigest.isEqual(sha256(token).getBytes(StandardCharsets.US_ASCII),
                    csrfHash.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private final Database database;
    private final Clock clock;
    private final Duration idle;
    private final Duration absolute;
    private final SecureRandom random = new SecureRandom();

    public Sessions(Database database, Clock clock, Duration idle, Duration absolute) {
        this.database = database;
        this.clock = clock;
        this.idle = idle;
        this.absolute = absolute;
    }

    public Created create(long userId) {
        String id = randomToken();
        String csrf = csrfTokenOf(id);
        long now = clock.millis();
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("INSERT INTO web_sessions (id_hash, user_id, csrf_hash, created_at,"
                     + " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setString(1, sha256(id));
            s.setLong(2, userId);
            s.setString(3, sha256(csrf));
            s.setLong(4, now);
            s.setLong(5, now);
            s.setLong(6, now + absolute.toMillis());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("creating a session failed", e);
        }
        return new Created(id, csrf);
    }

    /** The live session of an enabled user with this id (and marks it used); empty otherwise. */
    public Optional<Session> find(String id) {
        if (!isWellFormed(id)) return Optional.empty();
        String hash = sha256(id);
        long now = clock.millis();
        try (Connection c = database.connection()) {
            Session session;
            try (PreparedStatement s = c.prepareStatement("SELECT s.user_id, u.name, u.role, s.csrf_hash, t.enabled_at"
                    + " FROM web_sessions s JOIN users u ON u.id = s.user_id"
                    + " LEFT JOIN user_totp t ON t.user_id = s.user_id AND t.enabled_at IS NOT NULL"
                    + " WHERE s.id_hash = ? AND s.expires_at > ? AND s.last_seen_at > ? AND u.disabled = 0")) {
                s.setString(1, hash);
                s.setLong(2, now);
                s.setLong(3, now - idle.toMillis());
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) return Optional.empty();
                    session = new Session(hash, r.getLong(1), r.getString(2), Role.parse(r.getString(3)), r.getString(4),
                            r.getObject(5) != null);
                }
            }
            try (PreparedStatement touch = c.prepareStatement("UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?")) {
                touch.setLong(1, now);
                touch.setString(2, hash);
                touch.executeUpdate();
            }
            return Optional.of(session);
        } catch (SQLException e) {
            throw new IllegalStateException("reading a session failed", e);
        }
    }

    public void revoke(String id) {
        if (isWellFormed(id)) delete("DELETE FROM web_sessions WHERE id_hash = ?", sha256(id));
    }

    public void revokeAll(long userId) {
        delete("DELETE FROM web_sessions WHERE user_id = ?", userId);
    }

    /**
     * The session's CSRF token, derived from its id so that {@code /web/api/me} can hand it out again while only its
     * hash is stored; it cannot be computed without the id, which scripts never see (HttpOnly cookie).
     */
    public static String csrfTokenOf(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("bastion-csrf-v1:" + id).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isWellFormed(String token) {
        return token != null && TOKEN.matcher(token).matches();
    }

    private void delete(String sql, Object key) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, key);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("revoking sessions failed", e);
        }
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
