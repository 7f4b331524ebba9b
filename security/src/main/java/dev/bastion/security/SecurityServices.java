package dev.bastion.security;

import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the security core needs, opened consistently from one {@code BASTION_HOME} so the server and the CLI
 * share the database, the server secret and the audit chain (HMAC-keyed with a key derived from the secret). The
 * database is SQLite in the home unless the environment configures PostgreSQL ({@link DatabaseConfig#fromEnvironment}).
 */
public record SecurityServices(Path home, Database database, UserService users, ApiKeyService keys, AuditLog audit,
                               SecretBox secrets) implements AutoCloseable {

    public static final String AUDIT_KEY_PURPOSE = "audit-log-v1";
    /** This node's name in a cluster sharing one database: its audit chain's, and its credit reservations' owner. */
    public static final String ENV_NODE_NAME = "BASTION_NODE_NAME";
    private static final String FINGERPRINT_PURPOSE = "audit-key-fingerprint-v1";

    public static SecurityServices open(Path home, Map<String, String> env) {
        try {
            // Holds the secret and the audit log even when the database lives on a server.
            SecureFiles.createPrivateDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create BASTION_HOME directory " + home + ": " + e.getMessage(), e);
        }
        String node = nodeName(env);
        Database database = Database.open(DatabaseConfig.fromEnvironment(env, home));
        AuditAnchor anchor = new AuditAnchor(database, node);
        Optional<AuditAnchor.State> anchored = anchor.read();
        // Once a chain exists, a missing secret is not replaced: records under a new key could never be verified.
        SecretBox secrets = SecretBox.load(env, home, anchored.isEmpty());
        String fingerprint = keyFingerprint(secrets);
        Path auditFile = home.resolve(AuditLog.FILE_NAME);
        AuditAnchor.State state = anchored.orElseGet(() -> adoptTail(anchor, auditFile, fingerprint));
        requireSameKey(state, fingerprint);
        UserService users = new UserService(database);
        ApiKeyService keys = new ApiKeyService(database, users);
        AuditLog audit = AuditLog.open(auditFile, secrets.deriveKey(AUDIT_KEY_PURPOSE), java.time.Clock.systemUTC(), anchor);
        return new SecurityServices(home, database, users, keys, audit, secrets);
    }

    /**
     * The first open with anchors: a log from an older version is taken as it is, the anchor starting at its last
     * complete record (a torn tail is left for the server to move aside; damage stays for verify to name).
     */
    private static AuditAnchor.State adoptTail(AuditAnchor anchor, Path auditFile, String fingerprint) {
        long seq = 0;
        String hash = AuditLog.GENESIS;
        try {
            if (java.nio.file.Files.exists(auditFile)) {
                String content = java.nio.file.Files.readString(auditFile);
                String complete = content.substring(0, content.lastIndexOf('\n') + 1).strip();
                String lastLine = complete.substring(complete.lastIndexOf('\n') + 1);
                com.fasterxml.jackson.databind.JsonNode last = lastLine.isEmpty() ? null
                        : new com.fasterxml.jackson.databind.ObjectMapper().readTree(lastLine);
                if (last != null && last.path("seq").canConvertToLong() && last.path("hash").isTextual()) {
                    seq = last.get("seq").asLong();
                    hash = last.get("hash").asText();
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // start from nothing: the server then records what it finds as a gap
        }
        return anchor.initialize(seq, hash, fingerprint);
    }

    private static void requireSameKey(AuditAnchor.State state, String fingerprint) {
        if (state.keyFingerprint() != null && !state.keyFingerprint().equals(fingerprint)) {
            throw new IllegalStateException("the server secret differs from the one the audit chain was started with"
                    + " (key fingerprint " + fingerprint + ", expected " + state.keyFingerprint() + "); restore the"
                    + " original " + SecretBox.ENV_KEY + " or secret.key");
        }
    }

    /** Identifies the server secret without revealing it or the audit key: an HMAC under it of a fixed purpose. */
    static String keyFingerprint(SecretBox secrets) {
        return java.util.HexFormat.of().formatHex(secrets.deriveKey(FINGERPRINT_PURPOSE), 0, 16);
    }

    /**
     * Closes the database's connection pool (PostgreSQL; nothing to close for SQLite), so a one-shot command leaves no
     * pooled server connections behind. Whatever was opened from these services must not be used afterwards.
     */
    @Override
    public void close() {
        database.close();
    }

    /** {@code BASTION_NODE_NAME}, or {@link AuditAnchor#LOCAL} when unset (a single node). */
    public static String nodeName(Map<String, String> env) {
        String name = env.get(ENV_NODE_NAME);
        return name == null || name.isBlank() ? AuditAnchor.LOCAL : name.trim();
    }

    /** This node's name ({@link #nodeName(Map)} when opened). */
    public String nodeName() {
        return audit.chain();
    }

    /** Verifies this home's audit log with the same HMAC key it was written with, and against its node's anchor. */
    public AuditLog.VerificationResult verifyAudit() {
        return AuditLog.verify(audit.file(), secrets.deriveKey(AUDIT_KEY_PURPOSE),
                new AuditAnchor(database, audit.chain()).read().orElse(null));
    }

    /**
     * {@code bastion audit verify}: checks the log of {@code home} without creating anything. A missing server
     * secret, or one other than the chain was started with (by its fingerprint in the database), is named as such.
     */
    public static AuditLog.VerificationResult verifyAudit(Path home, Map<String, String> env) {
        SecretBox secrets;
        try {
            secrets = SecretBox.load(env, home, false);
        } catch (IllegalStateException | UncheckedIOException e) {
            return AuditLog.VerificationResult.unverifiable("cannot check the audit chain: " + e.getMessage()
                    + "; nothing was created");
        }
        String node;
        try {
            node = AuditAnchor.requireNodeName(nodeName(env));
        } catch (IllegalArgumentException e) {
            return AuditLog.VerificationResult.unverifiable("cannot check the audit chain: " + ENV_NODE_NAME + ": " + e.getMessage());
        }
        Optional<AuditAnchor.State> anchor;
        try (Database database = Database.open(DatabaseConfig.fromEnvironment(env, home))) {
            anchor = new AuditAnchor(database, node).read();
        }
        String fingerprint = keyFingerprint(secrets);
        if (anchor.isPresent() && anchor.get().keyFingerprint() != null && !anchor.get().keyFingerprint().equals(fingerprint)) {
            return AuditLog.VerificationResult.unverifiable("cannot check the audit chain: the server secret differs"
                    + " from the one the chain was started with (key fingerprint " + fingerprint + ", expected "
                    + anchor.get().keyFingerprint() + ")");
        }
        return AuditLog.verify(home.resolve(AuditLog.FILE_NAME), secrets.deriveKey(AUDIT_KEY_PURPOSE), anchor.orElse(null));
    }

    /** On server start: moves a torn tail aside, records a gap if the log was cut, checks it can be written. */
    public void recoverAudit() {
        audit.ensureWritable();
    }

    /**
     * First start: creates the admin user and key file; returns the key file's path if it did.
     *
     * @throws AuditLog.AuditUnavailableException if the audit log cannot be written; then nothing was created, since
     *         an admin whose creation went unrecorded would be a half-made first start
     */
    public Optional<Path> bootstrap() {
        if (users.isEmpty()) {
            try {
                audit.ensureWritable();
            } catch (AuditLog.AuditUnavailableException e) {
                throw new AuditLog.AuditUnavailableException("cannot create the first admin: " + e.getMessage()
                        + "; nothing was created", e);
            }
        }
        Optional<Path> keyFile = Bootstrap.ensureAdmin(users, keys, home);
        keyFile.ifPresent(path -> audit.append(AuditEvent.of("system", "bootstrap.admin", Bootstrap.ADMIN_USER, "success")));
        return keyFile;
    }
}
