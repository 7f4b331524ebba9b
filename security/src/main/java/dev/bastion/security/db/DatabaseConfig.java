package dev.bastion.security.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the security database lives: SQLite in {@code BASTION_HOME} unless {@code BASTION_DATABASE_URL} names a
 * PostgreSQL server. Credentials come only from the environment or a file, never from the URL, so that the URL can
 * appear in messages and logs without leaking a secret.
 */
public final class DatabaseConfig {

    public static final String ENV_URL = "BASTION_DATABASE_URL";
    public static final String ENV_USER = "BASTION_DATABASE_USER";
    public static final String ENV_PASSWORD = "BASTION_DATABASE_PASSWORD";
    public static final String ENV_PASSWORD_FILE = "BASTION_DATABASE_PASSWORD_FILE";
    /** The most connections a node keeps open to PostgreSQL (SQLite opens one per use and ignores it). */
    public static final String ENV_POOL_SIZE = "BASTION_DB_POOL_SIZE";
    public static final int DEFAULT_POOL_SIZE = 8;
    static final int MAX_POOL_SIZE = 100;
    /** Short: a caller waiting longer for a connection is better told the database is overloaded or unreachable. */
    static final java.time.Duration DEFAULT_CONNECTION_TIMEOUT = java.time.Duration.ofSeconds(5);
    static final String POSTGRES_PREFIX = "jdbc:postgresql://";
    private static final Pattern SCHEME = Pattern.compile("(jdbc:[A-Za-z0-9+.-]*:?)");
    /** The driver's user and password parameters (also sslpassword, the client key's passphrase). */
    private static final Pattern CREDENTIAL_PARAMETER =
            Pattern.compile("[?&]([a-z]*password|user)=", Pattern.CASE_INSENSITIVE);

    private final String url;
    private final String user;
    private final String password;
    private final Path sqliteHome;
    private final int poolSize;
    private final java.time.Duration connectionTimeout;

    private DatabaseConfig(String url, String user, String password, Path sqliteHome, int poolSize,
                           java.time.Duration connectionTimeout) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.sqliteHome = sqliteHome;
        this.poolSize = poolSize;
        this.connectionTimeout = connectionTimeout;
    }

    /** The embedded SQLite database {@code home/bastion.db}. */
    public static DatabaseConfig sqlite(Path home) {
        Path absolute = home.toAbsolutePath();
        return new DatabaseConfig("jdbc:sqlite:" + absolute.resolve(Database.FILE_NAME), null, null, absolute,
                DEFAULT_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT);
    }

    /** A PostgreSQL server; {@code user} and {@code password} may be null to leave them to the driver's defaults. */
    public static DatabaseConfig postgres(String url, String user, String password) {
        return new DatabaseConfig(checkPostgresUrl(url), user, password, null, DEFAULT_POOL_SIZE,
                DEFAULT_CONNECTION_TIMEOUT);
    }

    /** The same database with at most {@code size} pooled connections (1 to 100). */
    public DatabaseConfig withPoolSize(int size) {
        if (size < 1 || size > MAX_POOL_SIZE) {
            throw new IllegalArgumentException(ENV_POOL_SIZE + " must be a whole number from 1 to " + MAX_POOL_SIZE
                    + "; got " + size);
        }
        return new DatabaseConfig(url, user, password, sqliteHome, size, connectionTimeout);
    }

    /** The same database, waiting at most {@code timeout} for a pooled connection (tests shorten it). */
    DatabaseConfig withConnectionTimeout(java.time.Duration timeout) {
        return new DatabaseConfig(url, user, password, sqliteHome, poolSize, timeout);
    }

    /** Reads {@code BASTION_DATABASE_*}; with no URL configured, the SQLite database in {@code home}. */
    public static DatabaseConfig fromEnvironment(Map<String, String> env, Path home) {
        // Checked even for SQLite, which ignores it: a bad value is a typo worth hearing about before a move to PostgreSQL.
        int poolSize = poolSize(env.get(ENV_POOL_SIZE));
        String url = nonBlank(env.get(ENV_URL));
        String user = nonBlank(env.get(ENV_USER));
        String password = env.get(ENV_PASSWORD);
        String passwordFile = nonBlank(env.get(ENV_PASSWORD_FILE));
        if (url == null) {
            if (user != null || password != null || passwordFile != null) {
                // Otherwise a typo in the URL variable's name would silently fall back to a fresh SQLite database.
                throw new IllegalArgumentException(ENV_USER + ", " + ENV_PASSWORD + " or " + ENV_PASSWORD_FILE
                        + " is set but " + ENV_URL + " is not; set " + ENV_URL + " to a " + POSTGRES_PREFIX
                        + "host:port/database URL, or unset them to use SQLite in " + home);
            }
            return sqlite(home).withPoolSize(poolSize);
        }
        if (password != null && passwordFile != null) {
            throw new IllegalArgumentException("both " + ENV_PASSWORD + " and " + ENV_PASSWORD_FILE
                    + " are set; set only one");
        }
        if (passwordFile != null) {
            password = readPasswordFile(Path.of(passwordFile));
        }
        return postgres(url, user, password).withPoolSize(poolSize);
    }

    private static int poolSize(String value) {
        String size = nonBlank(value);
        if (size == null) return DEFAULT_POOL_SIZE;
        int parsed;
        try {
            parsed = Integer.parseInt(size);
        } catch (NumberFormatException e) {
            parsed = -1; // reported below with the allowed range; the value itself is not echoed (it may be anything)
        }
        if (parsed < 1 || parsed > MAX_POOL_SIZE) {
            throw new IllegalArgumentException(ENV_POOL_SIZE + " must be a whole number from 1 to " + MAX_POOL_SIZE
                    + (parsed == -1 ? "" : "; got " + parsed));
        }
        return parsed;
    }

    private static String checkPostgresUrl(String url) {
        if (!url.startsWith(POSTGRES_PREFIX)) {
            Matcher scheme = SCHEME.matcher(url);
            String shown = scheme.lookingAt() ? "'" + scheme.group(1) + "'" : "a value that is not a JDBC URL";
            throw new IllegalArgumentException(ENV_URL + " must start with " + POSTGRES_PREFIX
                    + " (unset it to use the embedded SQLite database); got " + shown);
        }
        String authority = url.substring(POSTGRES_PREFIX.length()).split("[/?]", 2)[0];
        if (authority.contains("@") || CREDENTIAL_PARAMETER.matcher(url).find()) {
            throw new IllegalArgumentException(ENV_URL + " must not carry credentials (they would end up in logs);"
                    + " use " + ENV_USER + " and " + ENV_PASSWORD + " or " + ENV_PASSWORD_FILE);
        }
        return url;
    }

    private static String readPasswordFile(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(ENV_PASSWORD_FILE + " points to " + file + ", which cannot be read: "
                    + e.getMessage(), e);
        }
        // Editors and `echo` add a final newline; it is never part of the password.
        String password = content.replaceFirst("\r?\n\\z", "");
        if (password.isEmpty()) {
            throw new IllegalArgumentException(ENV_PASSWORD_FILE + " points to " + file + ", which is empty");
        }
        return password;
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    public boolean isSqlite() {
        return sqliteHome != null;
    }

    /** The directory holding the SQLite file; null for PostgreSQL. */
    Path sqliteHome() {
        return sqliteHome;
    }

    /** The JDBC URL; never carries credentials (checked on construction), so it is safe to show. */
    public String url() {
        return url;
    }

    /** The most pooled connections to PostgreSQL ({@value #ENV_POOL_SIZE}). */
    public int poolSize() {
        return poolSize;
    }

    java.time.Duration connectionTimeout() {
        return connectionTimeout;
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    @Override
    public String toString() {
        return url + (user == null ? "" : " as " + user) + (password == null ? "" : " (password set)");
    }

}
