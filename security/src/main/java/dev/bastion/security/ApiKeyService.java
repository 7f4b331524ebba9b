package dev.bastion.security;

import dev.bastion.security.db.Database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issues and checks API keys {@code bst_<prefix>_<secret>}: the prefix (8 base62 chars) is the lookup id, the secret
 * is 32 SecureRandom bytes in unpadded base64url (43 chars). Only the prefix and SHA-256 of the secret are stored.
 * No cache: every authentication reads the database, so revocation and user disabling take effect at once.
 */
public final class ApiKeyService {

    public static final String KEY_MARKER = "bst_";
    private static final int PREFIX_LENGTH = 8;
    private static final int SECRET_BYTES = 32;
    private static final Pattern KEY_FORMAT = Pattern.compile("bst_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})");
    private static final char[] BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    /** Compared against when the prefix is unknown, so that case costs the same hash and compare as a wrong secret. */
    private static final byte[] UNKNOWN_PREFIX_HASH = new byte[32];
    /** last_used_at is bookkeeping: writing it at most once a minute keeps hot keys from hammering the database. */
    private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);
    /** The api_keys.name column's width; PostgreSQL enforces it (SQLite would not), so check before either. */
    static final int MAX_NAME_LENGTH = 128;

    private final Database database;
    private final UserService users;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final BiPredicate<byte[], byte[]> constantTimeEquals;

    public ApiKeyService(Database database, UserService users) {
        this(database, users, Clock.systemUTC(), MessageDigest::isEqual);
    }

    /** {@code constantTimeEquals} is {@link MessageDigest#isEqual} in production; tests wrap it to observe calls. */
    public ApiKeyService(Database database, UserService users, Clock clock, BiPredicate<byte[], byte[]> constantTimeEquals) {
        this.database = database;
        this.users = users;
        this.clock = clock;
        this.constantTimeEquals = constantTimeEquals;
    }

    /** Issues a key as the operator (CLI, bootstrap): no delegation check. */
    public CreatedKey create(String userName, Set<Scope> scopes, Instant expiresAt, String name) {
        User user = users.find(userName)
                .orElseThrow(() -> new IllegalArgumentException("no user named '" + userName + "'"));
        if (user.disabled()) {
            throw new IllegalArgumentException("user '" + userName + "' is disabled");
        }
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least one scope");
        }
        checkName(name);
        if (!user.role().grantableScopes().containsAll(scopes)) {
            throw new IllegalArgumentException("user '" + userName + "' has role " + user.role().id()
                    + " and cannot hold the scopes " + Scope.format(scopes));
        }
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("expiry " + expiresAt + " is not in the future");
        }
        byte[] secretBytes = new byte[SECRET_BYTES];
        random.nextBytes(secretBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        String prefix = insertWithFreshPrefix(user, scopes, expiresAt, name, hash(secret), now);
        ApiKey key = new ApiKey(prefix, userName, Set.copyOf(scopes), name, now, expiresAt, null, null);
        return new CreatedKey(KEY_MARKER + prefix + "_" + secret, key);
    }

    /**
     * Issues a key on behalf of an authenticated caller, enforcing {@link Authorizer#canCreateKey}; a non-admin's new
     * key also expires no later than the calling key, so a short-lived (or leaked) key cannot mint a lasting one.
     */
    public CreatedKey create(Principal actor, String userName, Set<Scope> scopes, Instant expiresAt, String name) {
        if (!Authorizer.canCreateKey(actor, userName, scopes)) {
            throw new AccessDeniedException("'" + actor.userName() + "' may not create a key for '" + userName
                    + "' with scopes " + Scope.format(scopes));
        }
        if (!actor.isAdmin() && actor.keyPrefix() != null) {
            Instant callerExpiry = find(actor.keyPrefix()).map(ApiKey::expiresAt).orElse(null);
            if (callerExpiry != null && (expiresAt == null || expiresAt.isAfter(callerExpiry))) {
                throw new AccessDeniedException("a key created with key " + actor.keyPrefix() + " must expire no later"
                        + " than it does (" + callerExpiry + "), not " + (expiresAt == null ? "never" : expiresAt));
            }
        }
        return create(userName, scopes, expiresAt, name);
    }

    /** Names appear in listings and audit records; PostgreSQL also rejects NUL in text. */
    private static void checkName(String name) {
        if (name != null && (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH
                || name.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("invalid key name '" + name.substring(0, Math.min(name.length(), 40))
                    .replaceAll("\\p{Cntrl}", "?") + (name.length() > 40 ? "...'" : "'")
                    + " (at most " + MAX_NAME_LENGTH + " characters, no control characters)");
        }
    }

    private String insertWithFreshPrefix(User user, Set<Scope> scopes, Instant expiresAt, String name, byte[] hash,
                                         Instant now) {
        String sql = "INSERT INTO api_keys (user_id, prefix, hash, scopes, name, created_at, expires_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)";
        for (int attempt = 0; attempt < 5; attempt++) {
            String prefix = randomPrefix();
            if (findRow(prefix).isPresent()) {
                continue;
            }
            try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
                s.setLong(1, user.id());
                s.setString(2, prefix);
                s.setString(3, HexFormat.of().formatHex(hash));
                s.setString(4, Scope.format(scopes));
                s.setString(5, name);
                s.setLong(6, now.toEpochMilli());
                if (expiresAt == null) {
                    s.setNull(7, Types.BIGINT);
                } else {
                    s.setLong(7, expiresAt.toEpochMilli());
                }
                s.executeUpdate();
                return prefix;
            } catch (SQLException e) {
                throw new IllegalStateException("storing a key for '" + user.name() + "' failed: " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("could not find a free key prefix");
    }

    /**
     * Checks a presented key. Returns empty for anything malformed, unknown, wrong, expired, revoked or belonging to
     * a disabled user; the caller cannot tell which.
     */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        Matcher m = KEY_FORMAT.matcher(presented);
        if (!m.matches()) {
            return Optional.empty();
        }
        byte[] presentedHash = hash(m.group(2));
        Optional<Row> row = findRow(m.group(1));
        byte[] storedHash = row.map(r -> HexFormat.of().parseHex(r.hash)).orElse(UNKNOWN_PREFIX_HASH);
        boolean hashMatches = constantTimeEquals.test(presentedHash, storedHash);
        if (row.isEmpty() || !hashMatches) {
            return Optional.empty();
        }
        Row r = row.get();
        Instant now = clock.instant();
        if (r.userDisabled || !r.key.isActive(now)) {
            return Optional.empty();
        }
        touch(r, now);
        // A key never carries more than its user's role grants now: an admin demoted to user keeps no admin-only scope.
        Set<Scope> scopes = new java.util.HashSet<>(r.key.scopes());
        if (r.role != Role.ADMIN) scopes.removeIf(Scope::adminOnly);
        return Optional.of(new Principal(r.userId, r.key.userName(), r.role, scopes, r.key.prefix()));
    }

    /** The prefix of a well-formed presented key (not secret; lets audit records name the key a failure used). */
    public static Optional<String> prefixOf(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        Matcher m = KEY_FORMAT.matcher(presented);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Revokes a key by prefix; returns false if no such key or it was already revoked. */
    public boolean revoke(String prefix) {
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement(
                     "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL")) {
            s.setLong(1, clock.instant().toEpochMilli());
            s.setString(2, prefix);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("revoking key " + prefix + " failed: " + e.getMessage(), e);
        }
    }

    public Optional<ApiKey> find(String prefix) {
        return findRow(prefix).map(r -> r.key);
    }

    /** How many of a user's keys are neither revoked nor expired (they work whenever the user is enabled). */
    public long activeKeyCount(String userName) {
        Instant now = clock.instant();
        return list(userName).stream().filter(k -> k.isActive(now)).count();
    }

    /** Lists keys, of one user if {@code userName} is not null. */
    public List<ApiKey> list(String userName) {
        String sql = SELECT + (userName == null ? "" : " WHERE u.name = ?") + " ORDER BY k.created_at, k.id";
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (userName != null) {
                s.setString(1, userName);
            }
            List<ApiKey> keys = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    keys.add(readRow(rs).key);
                }
            }
            return keys;
        } catch (SQLException e) {
            throw new IllegalStateException("listing keys failed: " + e.getMessage(), e);
        }
    }

    /**
     * SHA-256 without salt or stretching is enough here: the secret is 256 random bits, so neither dictionaries nor
     * brute force apply, and a fast hash keeps per-request authentication cheap.
     */
    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private String randomPrefix() {
        char[] chars = new char[PREFIX_LENGTH];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(chars);
    }

    private void touch(Row row, Instant now) {
        if (row.key.lastUsedAt() != null && row.key.lastUsedAt().plus(LAST_USED_RESOLUTION).isAfter(now)) {
            return;
        }
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("UPDATE api_keys SET last_used_at = ? WHERE prefix = ?")) {
            s.setLong(1, now.toEpochMilli());
            s.setString(2, row.key.prefix());
            s.executeUpdate();
        } catch (SQLException e) {
            // Bookkeeping only: a busy database must not turn a valid key into a refusal.
            org.slf4j.LoggerFactory.getLogger(ApiKeyService.class).warn("could not record last use of key {}: {}",
                    row.key.prefix(), e.getMessage());
        }
    }

    private static final String SELECT = "SELECT k.prefix, u.name, k.scopes, k.name, k.created_at, k.expires_at,"
            + " k.revoked_at, k.last_used_at, k.hash, u.id, u.role, u.disabled"
            + " FROM api_keys k JOIN users u ON u.id = k.user_id";

    private record Row(ApiKey key, String hash, long userId, Role role, boolean userDisabled) {
    }

    private Optional<Row> findRow(String prefix) {
        try (Connection c = database.connection(); PreparedStatement s = c.prepareStatement(SELECT + " WHERE k.prefix = ?")) {
            s.setString(1, prefix);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(readRow(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("looking up key " + prefix + " failed: " + e.getMessage(), e);
        }
    }

    private static Row readRow(ResultSet rs) throws SQLException {
        ApiKey key = new ApiKey(rs.getString(1), rs.getString(2), Scope.parseAll(rs.getString(3)), rs.getString(4),
                Instant.ofEpochMilli(rs.getLong(5)), instant(rs, 6), instant(rs, 7), instant(rs, 8));
        return new Row(key, rs.getString(9), rs.getLong(10), Role.parse(rs.getString(11)), rs.getInt(12) != 0);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
