package dev.bastion.security;

import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

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

    @Test
    void databaseFilesAreOwnerOnlyEvenInAnExistingWorldReadableHome() throws Exception {
        Path shared = Files.createDirectories(home.resolve("existing"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Database database = Database.openHome(shared);
        UserService sharedUsers = new UserService(database);
        sharedUsers.create("dave", Role.USER);
        new ApiKeyService(database, sharedUsers).create("dave", Set.of(Scope.MODELS_USE), null, null);
        try (Stream<Path> files = Files.list(shared)) {
            List<Path> dbFiles = files.filter(f -> f.getFileName().toString().startsWith(Database.FILE_NAME)).toList();
            assertThat(dbFiles).isNotEmpty();
            for (Path file : dbFiles) {
                assertThat(Files.getPosixFilePermissions(file)).as(file.toString())
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
        }
    }
}
