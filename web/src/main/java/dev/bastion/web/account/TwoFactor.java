package dev.bastion.web.account;

import dev.bastion.security.SecretBox;
import dev.bastion.security.db.Database;
import org.bouncycastle.util.encoders.Base32;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Users' TOTP secrets (sealed with the server secret) and recovery codes: enrolment, checks that refuse replays, and
 * disabling. Recovery codes are 80 random bits each, so a plain SHA-256 is enough to keep them from a database
 * reader (no one can enumerate 2^80 candidates) and a code is found by its hash with one indexed lookup; Argon2 would
 * cost 19 MiB per stored code on every attempt, for no gain at this entropy.
 */
public final class TwoFactor {

    public static final String ISSUER = "Bastion";
    public static final int RECOVERY_CODES = 10;
    private static final Pattern RECOVERY_CODE = Pattern.compile("[a-z2-7]{16}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A pending enrolment: the secret to type in and the URI the QR code carries. */
    public record Enrolment(String secret, String uri) {
    }

    /** The verdict on a code; anything but {@link #ACCEPTED} is a refusal, named only in the audit log. */
    public enum Check {
        ACCEPTED, WRONG, REPLAYED, NOT_ENROLLED;

        public String reason() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private record Row(String sealed, Long enabledAt, long lastStep) {
    }

    private final Database database;
    private final SecretBox secrets;
    private final Clock clock;

    public TwoFactor(Database database, SecretBox secrets, Clock clock) {
        this.database = database;
        this.secrets = secrets;
        this.clock = clock;
    }

    public boolean isEnabled(long userId) {
        return row(userId).filter(r -> r.enabledAt() != null).isPresent();
    }

    /** A new pending secret, replacing any earlier pending one; empty when TOTP is already on (disable it first). */
    public Optional<Enrolment> begin(long userId, String userName) {
        if (isEnabled(userId)) return Optional.empty();
        String secret = Totp.newSecret();
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                execute(c, "DELETE FROM user_totp WHERE user_id = ? AND enabled_at IS NULL", userId);
                execute(c, "INSERT INTO user_totp (user_id, secret_sealed, created_at, enabled_at, last_step) VALUES (?, ?, ?, NULL, ?)",
                        userId, secrets.encryptToString(secret, aad(userId)), clock.millis(), -1L);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            // a concurrent enrolment that enabled in between hits the primary key: nothing to set up then
            if (isEnabled(userId)) return Optional.empty();
            throw new IllegalStateException("storing a TOTP secret failed", e);
        }
        return Optional.of(new Enrolment(secret, Totp.otpauthUri(ISSUER, userName, secret)));
    }

    /** The pending enrolment's URI, for its QR code; empty once enabled or before any setup. */
    public Optional<String> pendingUri(long userId, String userName) {
        return row(userId).filter(r -> r.enabledAt() == null)
                .map(r -> Totp.otpauthUri(ISSUER, userName, secrets.decryptString(r.sealed(), aad(userId))));
    }

    /** Enables the pending enrolment when {@code code} is right; returns the new recovery codes, shown only now. */
    public Optional<List<String>> confirm(long userId, String code) {
        Optional<Row> pending = row(userId).filter(r -> r.enabledAt() == null);
        if (pending.isEmpty()) return Optional.empty();
        OptionalLong step = Totp.matchingStep(secret(userId, pending.get()), code, clock.millis());
        if (step.isEmpty()) return Optional.empty();
        List<String> codes = new ArrayList<>();
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                if (execute(c, "UPDATE user_totp SET enabled_at = ?, last_step = ? WHERE user_id = ? AND enabled_at IS NULL"
                        + " AND secret_sealed = ?", clock.millis(), step.getAsLong(), userId, pending.get().sealed()) != 1) {
                    c.rollback();
                    return Optional.empty();
                }
                execute(c, "DELETE FROM user_recovery_codes WHERE user_id = ?", userId);
                for (int i = 0; i < RECOVERY_CODES; i++) {
                    String recovery = newRecoveryCode();
                    codes.add(recovery);
                    execute(c, "INSERT INTO user_recovery_codes (user_id, code_hash, used_at) VALUES (?, ?, NULL)",
                            userId, sha256(normalize(recovery)));
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("enabling TOTP failed", e);
        }
        return Optional.of(List.copyOf(codes));
    }

    /**
     * Checks a code of an enabled user. A code is accepted once: its time step must be later than the last accepted
     * one, claimed in the same statement that checks it, so two requests racing with one code cannot both pass.
     */
    public Check verifyCode(long userId, String code) {
        Optional<Row> row = row(userId).filter(r -> r.enabledAt() != null);
        if (row.isEmpty()) return Check.NOT_ENROLLED;
        OptionalLong step = Totp.matchingStep(secret(userId, row.get()), code, clock.millis());
        if (step.isEmpty()) return Check.WRONG;
        if (step.getAsLong() <= row.get().lastStep()) return Check.REPLAYED;
        int claimed = update("UPDATE user_totp SET last_step = ? WHERE user_id = ? AND enabled_at IS NOT NULL AND last_step < ?",
                step.getAsLong(), userId, step.getAsLong());
        return claimed == 1 ? Check.ACCEPTED : Check.REPLAYED;
    }

    /** Spends one recovery code of an enabled user; a spent one is refused as {@link Check#REPLAYED}. */
    public Check useRecoveryCode(long userId, String code) {
        if (!isEnabled(userId)) return Check.NOT_ENROLLED;
        String normalized = normalize(code);
        if (!RECOVERY_CODE.matcher(normalized).matches()) return Check.WRONG;
        String hash = sha256(normalized);
        if (update("UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                clock.millis(), userId, hash) == 1) {
            return Check.ACCEPTED;
        }
        return exists(userId, hash) ? Check.REPLAYED : Check.WRONG;
    }

    /** Recovery codes not yet used. */
    public int recoveryCodesLeft(long userId) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(
                "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL")) {
            s.setLong(1, userId);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading recovery codes failed", e);
        }
    }

    /** Turns TOTP off: the secret and the recovery codes are deleted. */
    public void disable(long userId) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                execute(c, "DELETE FROM user_recovery_codes WHERE user_id = ?", userId);
                execute(c, "DELETE FROM user_totp WHERE user_id = ?", userId);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("disabling TOTP failed", e);
        }
    }

    /** Spaces, dashes and case do not matter: codes are shown grouped, people type them as they like. */
    static String normalize(String code) {
        if (code == null || code.length() > 64) return "";
        return code.replaceAll("[\\s-]", "").toLowerCase(Locale.ROOT);
    }

    /** 10 random bytes as 16 Base32 letters, shown in four groups: {@code abcd-efgh-ijkl-mnop}. */
    private static String newRecoveryCode() {
        byte[] bytes = new byte[10];
        RANDOM.nextBytes(bytes);
        String letters = Base32.toBase32String(bytes).toLowerCase(Locale.ROOT);
        return String.join("-", letters.substring(0, 4), letters.substring(4, 8), letters.substring(8, 12), letters.substring(12));
    }

    private byte[] secret(long userId, Row row) {
        return Totp.decodeSecret(secrets.decryptString(row.sealed(), aad(userId)));
    }

    /** Binds a sealed secret to its user: copied onto another user's row, it fails to open. */
    private static String aad(long userId) {
        return "web-totp-v1:" + userId;
    }

    private Optional<Row> row(long userId) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(
                "SELECT secret_sealed, enabled_at, last_step FROM user_totp WHERE user_id = ?")) {
            s.setLong(1, userId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) return Optional.empty();
                String sealed = r.getString(1);
                Long enabledAt = r.getObject(2) == null ? null : r.getLong(2);
                return Optional.of(new Row(sealed, enabledAt, r.getLong(3)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading a TOTP secret failed", e);
        }
    }

    private boolean exists(long userId, String hash) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(
                "SELECT 1 FROM user_recovery_codes WHERE user_id = ? AND code_hash = ?")) {
            s.setLong(1, userId);
            s.setString(2, hash);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading recovery codes failed", e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = database.connection()) {
            return execute(c, sql, args);
        } catch (SQLException e) {
            throw new IllegalStateException("updating two-factor state failed", e);
        }
    }

    static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            return s.executeUpdate();
        }
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
