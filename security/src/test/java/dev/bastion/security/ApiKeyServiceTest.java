package dev.bastion.security;

import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on the embedded SQLite database, plus what only a file-backed database can show. */
class ApiKeyServiceTest extends SecurityStoreContract {

    private int databases;
    private Path lastDatabaseHome;

    @Override
    protected DatabaseConfig freshDatabase() {
        lastDatabaseHome = home.resolve("db-" + ++databases);
        return DatabaseConfig.sqlite(lastDatabaseHome);
    }

    @Test
    void onlyPrefixAndHashAreStored() throws Exception {
        CreatedKey created = keys.create("alice", Set.of(Scope.MODELS_USE), null, null);
        String secretPart = created.secret().substring(13);
        Path dbFile = lastDatabaseHome.resolve("bastion.db");
        Path wal = lastDatabaseHome.resolve("bastion.db-wal");
        String stored = Files.readString(dbFile, StandardCharsets.ISO_8859_1)
                + (Files.exists(wal) ? Files.readString(wal, StandardCharsets.ISO_8859_1) : "");
        assertThat(stored).doesNotContain(secretPart).contains(HexFormat.of().formatHex(ApiKeyService.hash(secretPart)));
    }
}
