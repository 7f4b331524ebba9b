package dev.bastion.security;

import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;
import dev.bastion.security.db.TestPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store contract on a real PostgreSQL server, plus the environment wiring that selects it. */
class PostgresSecurityStoreTest extends SecurityStoreContract {

    @Override
    protected DatabaseConfig freshDatabase() {
        return TestPostgres.shared().freshConfig();
    }

    @Test
    void onlyPrefixAndHashAreStored() throws Exception {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, "laptop");
        String secretPart = created.secret().substring(13);
        StringBuilder everything = new StringBuilder();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM api_keys")) {
            while (r.next()) {
                for (int column = 1; column <= r.getMetaData().getColumnCount(); column++) {
                    everything.append(r.getString(column)).append('|');
                }
            }
        }
        assertThat(everything).doesNotContain(secretPart).contains(created.key().prefix(), "laptop");
    }

    @Test
    void securityServicesPickPostgresFromTheEnvironment() throws Exception {
        Path passwordFile = home.resolve("db-password");
        Files.writeString(passwordFile, TestPostgres.APP_PASSWORD + "\n");
        Map<String, String> env = new HashMap<>(Map.of(
                DatabaseConfig.ENV_URL, TestPostgres.shared().freshDatabase(),
                DatabaseConfig.ENV_USER, TestPostgres.APP_USER,
                DatabaseConfig.ENV_PASSWORD_FILE, passwordFile.toString(),
                SecretBox.ENV_KEY, Base64.getEncoder().encodeToString(new byte[32])));
        Path serverHome = home.resolve("server");

        SecurityServices server = SecurityServices.open(serverHome, env);
        Path keyFile = server.bootstrap().orElseThrow();
        SecurityServices cli = SecurityServices.open(home.resolve("cli"), env);

        assertThat(server.database().url()).isEqualTo(env.get(DatabaseConfig.ENV_URL));
        assertThat(serverHome.resolve(Database.FILE_NAME)).doesNotExist();
        assertThat(cli.bootstrap()).as("the second process sees the admin in the shared database").isEmpty();
        assertThat(cli.keys().authenticate(Files.readString(keyFile).trim()).orElseThrow().isAdmin()).isTrue();
    }

    @Test
    void wrongPasswordFailsWithAMessageThatNamesTheServerButNotThePassword() {
        String url = TestPostgres.shared().freshDatabase();
        String wrong = "not-the-password-4711";

        assertThatThrownBy(() -> Database.open(DatabaseConfig.postgres(url, TestPostgres.APP_USER, wrong)))
                .isInstanceOf(Database.DatabaseException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("password authentication failed")
                .hasMessageNotContaining(wrong)
                .hasMessageNotContaining("\n");
    }
}
