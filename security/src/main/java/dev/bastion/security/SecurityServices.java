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
                               SecretBox secrets) {

    public static final String AUDIT_KEY_PURPOSE = "audit-log-v1";

    public static SecurityServices open(Path home, Map<String, String> env) {
        try {
            // Holds the secret and the audit log even when the database lives on a server.
            SecureFiles.createPrivateDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create BASTION_HOME directory " + home + ": " + e.getMessage(), e);
        }
        Database database = Database.open(DatabaseConfig.fromEnvironment(env, home));
        SecretBox secrets = SecretBox.load(env, home);
        UserService users = new UserService(database);
        ApiKeyService keys = new ApiKeyService(database, users);
        AuditLog audit = AuditLog.open(home.resolve(AuditLog.FILE_NAME), secrets.deriveKey(AUDIT_KEY_PURPOSE));
        return new SecurityServices(home, database, users, keys, audit, secrets);
    }

    /** Verifies this home's audit log with the same HMAC key it was written with. */
    public AuditLog.VerificationResult verifyAudit() {
        return AuditLog.verify(audit.file(), secrets.deriveKey(AUDIT_KEY_PURPOSE));
    }

    /** First start: creates the admin user and key file; returns the key file's path if it did. */
    public Optional<Path> bootstrap() {
        Optional<Path> keyFile = Bootstrap.ensureAdmin(users, keys, home);
        keyFile.ifPresent(path -> audit.append(AuditEvent.of("system", "bootstrap.admin", Bootstrap.ADMIN_USER, "success")));
        return keyFile;
    }
}
