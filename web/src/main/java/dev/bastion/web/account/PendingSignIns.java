package dev.bastion.web.account;

import dev.bastion.security.db.Database;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The state between a right password and the second factor: a random 256-bit token (only its SHA-256 is stored)
 * that expires after a few minutes, allows {@value #MAX_ATTEMPTS} tries and is consumed by the sign-in it completes.
 * It is not a session: it grants nothing but the chance to present a code.
 */
public final class PendingSignIns {

    public static final Duration LIFETIME = Duration.ofMinutes(5);
    static final int MAX_ATTEMPTS = 3;
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;
    private final Clock clock;

    public PendingSignIns(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public String create(long userId) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        long now = clock.millis();
        try (Connection c = database.connection()) {
            TwoFactor.execute(c, "DELETE FROM web_pending_sign_ins WHERE expires_at <= ?", now);
            TwoFactor.execute(c, "INSERT INTO web_pending_sign_ins (token_hash, user_id, attempts, expires_at) VALUES (?, ?, 0, ?)",
                    TwoFactor.sha256(token), userId, now + LIFETIME.toMillis());
        } catch (SQLException e) {
            throw new IllegalStateException("storing a pending sign-in failed", e);
        }
        return token;
    }

    /** Whose sign-in a token continues. */
    public record Pending(long userId, String userName) {
    }

    /** The user a live token is for, without spending a try; empty for an unknown, expired or used-up token. */
    public Optional<Pending> peek(String token) {
        if (token == null || !TOKEN.matcher(token).matches()) return Optional.empty();
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(
                "SELECT p.user_id, u.name FROM web_pending_sign_ins p JOIN users u ON u.id = p.user_id"
                        + " WHERE p.token_hash = ? AND p.expires_at > ? AND p.attempts < ?")) {
            s.setString(1, TwoFactor.sha256(token));
            s.setLong(2, clock.millis());
            s.setInt(3, MAX_ATTEMPTS);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new Pending(r.getLong(1), r.getString(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading a pending sign-in failed", e);
        }
    }

    /** Spends one try of a live token; false when none is left (or the token is gone). */
    public boolean spendAttempt(String token) {
        return update("UPDATE web_pending_sign_ins SET attempts = attempts + 1 WHERE token_hash = ? AND expires_at > ?"
                + " AND attempts < ?", TwoFactor.sha256(token), clock.millis(), MAX_ATTEMPTS) == 1;
    }

    /** Deletes the token; true for the one caller that deleted it, so it completes one sign-in at most. */
    public boolean consume(String token) {
        return update("DELETE FROM web_pending_sign_ins WHERE token_hash = ?", TwoFactor.sha256(token)) == 1;
    }

    private int update(String sql, Object... args) {
        try (Connection c = database.connection()) {
            return TwoFactor.execute(c, sql, args);
        } catch (SQLException e) {
            throw new IllegalStateException("updating a pending sign-in failed", e);
        }
    }
}
