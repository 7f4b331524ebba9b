package dev.bastion.security.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.bastion.security.db.DatabaseConfig.ENV_PASSWORD;
import static dev.bastion.security.db.DatabaseConfig.ENV_PASSWORD_FILE;
import static dev.bastion.security.db.DatabaseConfig.ENV_POOL_SIZE;
import static dev.bastion.security.db.DatabaseConfig.ENV_URL;
import static dev.bastion.security.db.DatabaseConfig.ENV_USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseConfigTest {

    private static final String URL = "jdbc:postgresql://db.internal:5432/bastion?sslmode=verify-full";

    @TempDir
    Path home;

    @Test
    void withoutAUrlTheDatabaseIsSqliteInTheHome() {
        DatabaseConfig config = DatabaseConfig.fromEnvironment(Map.of(ENV_URL, "  "), home);

        assertThat(config.isSqlite()).isTrue();
        assertThat(config.url()).isEqualTo("jdbc:sqlite:" + home.toAbsolutePath().resolve("bastion.db"));
    }

    @Test
    void postgresUrlUserAndPasswordComeFromTheEnvironment() {
        DatabaseConfig config = DatabaseConfig.fromEnvironment(
                Map.of(ENV_URL, URL, ENV_USER, "bastion", ENV_PASSWORD, " pass word "), home);

        assertThat(config.isSqlite()).isFalse();
        assertThat(config.url()).isEqualTo(URL);
        assertThat(config.user()).isEqualTo("bastion");
        assertThat(config.password()).as("kept verbatim").isEqualTo(" pass word ");
        assertThat(config.toString()).contains(URL, "bastion").doesNotContain("pass word");
    }

    @Test
    void passwordFileLosesOnlyItsFinalNewline() throws Exception {
        Path file = home.resolve("pw");
        Files.writeString(file, "  two words \r\n");

        DatabaseConfig config = DatabaseConfig.fromEnvironment(Map.of(ENV_URL, URL, ENV_PASSWORD_FILE, file.toString()), home);

        assertThat(config.password()).isEqualTo("  two words ");
    }

    @Test
    void unreadableOrEmptyPasswordFilesAreNamed() throws Exception {
        Path missing = home.resolve("missing");
        Path empty = Files.writeString(home.resolve("empty"), "\n");

        assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(Map.of(ENV_URL, URL, ENV_PASSWORD_FILE, missing.toString()), home))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ENV_PASSWORD_FILE).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(Map.of(ENV_URL, URL, ENV_PASSWORD_FILE, empty.toString()), home))
                .hasMessageContaining(empty.toString()).hasMessageContaining("empty");
    }

    @Test
    void passwordAndPasswordFileTogetherAreAmbiguous() throws Exception {
        Path file = Files.writeString(home.resolve("pw"), "from-file");

        assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(
                Map.of(ENV_URL, URL, ENV_PASSWORD, "inline", ENV_PASSWORD_FILE, file.toString()), home))
                .hasMessageContaining(ENV_PASSWORD).hasMessageContaining(ENV_PASSWORD_FILE).hasMessageNotContaining("inline");
    }

    @Test
    void credentialsWithoutAUrlAreRefusedRatherThanIgnored() {
        assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(Map.of(ENV_USER, "bastion", ENV_PASSWORD, "hunter2"), home))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ENV_URL).hasMessageNotContaining("hunter2");
    }

    @Test
    void otherSchemesAreRefusedWithoutEchoingTheUrl() {
        for (String url : new String[] {"jdbc:mysql://root:hunter2@db/bastion", "jdbc:sqlite:/tmp/hunter2.db",
                "postgres://root:hunter2@db/bastion", "jdbc:postgresql:hunter2", "hunter2"}) {
            assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(Map.of(ENV_URL, url), home))
                    .as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(ENV_URL).hasMessageContaining("jdbc:postgresql://")
                    .hasMessageNotContaining("hunter2");
        }
        assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(Map.of(ENV_URL, "jdbc:mysql://db/x"), home))
                .hasMessageContaining("'jdbc:mysql:'");
    }

    @Test
    void credentialsInsideTheUrlAreRefusedWithoutEchoingThem() {
        for (String url : new String[] {"jdbc:postgresql://root:hunter2@db/bastion",
                "jdbc:postgresql://db/bastion?user=root&password=hunter2", "jdbc:postgresql://db/bastion?PASSWORD=hunter2",
                "jdbc:postgresql://db/bastion?sslmode=require&sslpassword=hunter2"}) {
            assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(Map.of(ENV_URL, url), home))
                    .as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("credentials").hasMessageContaining(ENV_PASSWORD_FILE)
                    .hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void poolSizeDefaultsToEightAndAcceptsOneToOneHundred() {
        assertThat(DatabaseConfig.fromEnvironment(Map.of(ENV_URL, URL), home).poolSize()).isEqualTo(8);
        assertThat(DatabaseConfig.fromEnvironment(Map.of(ENV_URL, URL, ENV_POOL_SIZE, " 1 "), home).poolSize()).isEqualTo(1);
        assertThat(DatabaseConfig.fromEnvironment(Map.of(ENV_URL, URL, ENV_POOL_SIZE, "100"), home).poolSize()).isEqualTo(100);
    }

    @Test
    void poolSizeOutsideTheRangeOrNotANumberIsRefused() {
        for (String size : new String[] {"0", "101", "abc", "-3", "8.5", "99999999999"}) {
            for (Map<String, String> env : java.util.List.of(Map.of(ENV_URL, URL, ENV_POOL_SIZE, size),
                    Map.of(ENV_POOL_SIZE, size))) { // SQLite ignores the size but still names a typo
                assertThatThrownBy(() -> DatabaseConfig.fromEnvironment(env, home))
                        .as(size).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(ENV_POOL_SIZE).hasMessageContaining("from 1 to 100");
            }
        }
        assertThatThrownBy(() -> DatabaseConfig.postgres(URL, null, null).withPoolSize(0))
                .hasMessageContaining(ENV_POOL_SIZE);
    }
}
