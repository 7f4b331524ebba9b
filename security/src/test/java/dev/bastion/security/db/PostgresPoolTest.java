package dev.bastion.security.db;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PostgreSQL connection pool behind {@link Database#connection()}, on a real server. */
class PostgresPoolTest {

    private static final int THREADS = 32;
    private static final int ROUNDS = 25;

    @Test
    void thirtyTwoThreadsShareFourConnectionsNeverTwoAtOnce() throws Exception {
        try (Database database = Database.open(TestPostgres.shared().freshConfig().withPoolSize(4))) {
            try (Connection c = database.connection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE pool_probe (backend INT NOT NULL, worker INT NOT NULL)");
            }
            // A backend (server process) is one physical connection: two workers holding the same one at once would
            // be the pool handing a connection out twice.
            Map<Integer, Integer> holders = new ConcurrentHashMap<>();
            Set<Integer> backends = ConcurrentHashMap.newKeySet();
            List<String> overlaps = java.util.Collections.synchronizedList(new ArrayList<>());
            CyclicBarrier start = new CyclicBarrier(THREADS);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < THREADS; w++) {
                    int worker = w;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int round = 0; round < ROUNDS; round++) {
                            try (Connection c = database.connection()) {
                                int backend = backend(c);
                                Integer other = holders.putIfAbsent(backend, worker);
                                if (other != null) overlaps.add("backend " + backend + ": workers " + other + " and " + worker);
                                backends.add(backend);
                                try (var s = c.prepareStatement("INSERT INTO pool_probe VALUES (?, ?)")) {
                                    s.setInt(1, backend);
                                    s.setInt(2, worker);
                                    s.executeUpdate();
                                }
                                holders.remove(backend, worker);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(overlaps).isEmpty();
            assertThat(backends).as("never more than the pool size").hasSizeBetween(1, 4);
            try (Connection c = database.connection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT backend) FROM pool_probe")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(THREADS * ROUNDS);
                assertThat(r.getInt(2)).isEqualTo(backends.size());
            }
        }
    }

    @Test
    void aTransactionLeftOpenIsRolledBackAndTheSessionResetForTheNextBorrower() throws Exception {
        try (Database database = Database.open(TestPostgres.shared().freshConfig().withPoolSize(1))) {
            int first;
            try (Connection c = database.connection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE leftovers (note TEXT)");
            }
            Connection careless = database.connection();
            first = backend(careless);
            careless.setAutoCommit(false);
            careless.setReadOnly(false);
            careless.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            try (Statement s = careless.createStatement()) {
                s.executeUpdate("INSERT INTO leftovers VALUES ('never committed')");
            }
            careless.close(); // neither commit nor rollback

            try (Connection next = database.connection(); Statement s = next.createStatement()) {
                assertThat(backend(next)).as("the same physical connection (pool of one)").isEqualTo(first);
                assertThat(next.getAutoCommit()).isTrue();
                assertThat(next.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM leftovers")) {
                    r.next();
                    assertThat(r.getInt(1)).as("the careless insert was rolled back").isZero();
                }
                try (ResultSet r = s.executeQuery("SELECT current_setting('transaction_isolation'),"
                        + " pg_current_xact_id_if_assigned() IS NULL")) {
                    r.next();
                    assertThat(r.getString(1)).isEqualTo("read committed");
                    assertThat(r.getBoolean(2)).as("no transaction carried over").isTrue();
                }
            }
        }
    }

    @Test
    void aBusyPoolTimesOutWithAClearMessage() throws Exception {
        DatabaseConfig config = TestPostgres.shared().freshConfig().withPoolSize(1)
                .withConnectionTimeout(Duration.ofMillis(300));
        try (Database database = Database.open(config); Connection held = database.connection()) {
            long started = System.nanoTime();
            assertThatThrownBy(database::connection)
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessage("the security database did not give a connection within 0.3 s; all 1 pooled"
                            + " connections were in use (BASTION_DB_POOL_SIZE)");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
            assertThat(held.isValid(1)).as("the holder keeps its connection").isTrue();
        }
    }

    @Test
    void aServerThatRefusesNewConnectionsIsNamedWithoutLeakingThePasswordOrUrl() throws Exception {
        TestPostgres server = TestPostgres.shared();
        String role = "pool_probe_" + System.nanoTime();
        String password = "pw-MARKER-" + System.nanoTime() + "' \"";
        try (Connection admin = server.adminConnection(); Statement s = admin.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
            s.execute("CREATE DATABASE " + role + " OWNER " + role);
        }
        String url = server.url(role) + "?ApplicationName=url-MARKER";
        DatabaseConfig config = DatabaseConfig.postgres(url, role, password).withPoolSize(2)
                .withConnectionTimeout(Duration.ofMillis(500));
        try (Database database = Database.open(config)) {
            try (Connection c = database.connection()) {
                assertThat(c.isValid(1)).isTrue();
            }
            try (Connection admin = server.adminConnection(); Statement s = admin.createStatement()) {
                s.execute("ALTER ROLE " + role + " NOLOGIN");
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
            }
            Thread.sleep(700); // past Hikari's 500 ms window in which a pooled connection is handed out unchecked
            assertThatThrownBy(database::connection)
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageStartingWith("the security database did not give a connection within 0.5 s; the last"
                            + " attempt to connect failed: ")
                    .hasMessageContaining("not permitted to log in")
                    .hasMessageNotContaining("MARKER").hasMessageNotContaining("jdbc:")
                    .satisfies(e -> assertThat(e.getCause()).as("nothing chained to print").isNull());
        }
    }

    @Test
    void closingTheDatabaseClosesItsPooledConnections() throws Exception {
        TestPostgres server = TestPostgres.shared();
        DatabaseConfig config = server.freshConfig().withPoolSize(4);
        String name = config.url().substring(config.url().lastIndexOf('/') + 1);
        Database database = Database.open(config);
        List<Connection> borrowed = new ArrayList<>();
        for (int i = 0; i < 4; i++) borrowed.add(database.connection());
        for (Connection c : borrowed) c.close();
        assertThat(server.backendsOf(name)).isEqualTo(4);

        database.close();

        assertThat(server.backendsOf(name)).isZero();
        assertThatThrownBy(database::connection).isInstanceOf(SQLException.class);
    }

    @Test
    void sqliteStillOpensAFreshConnectionPerCall(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) throws Exception {
        try (Database database = Database.openHome(home); Connection a = database.connection();
             Connection b = database.connection()) {
            assertThat(a).isNotSameAs(b);
            assertThat(a.isWrapperFor(org.sqlite.SQLiteConnection.class)).as("not a pool's proxy").isTrue();
        }
    }

    private static int backend(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }
}
