package dev.bastion.credits;

import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteLedgerTest extends LedgerContract {

    @TempDir
    Path home;

    @Override
    protected DatabaseConfig freshDatabase() {
        return DatabaseConfig.sqlite(home);
    }
}
