package dev.bastion.credits;

import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteEarningsTest extends EarningsContract {

    @TempDir
    Path home;

    @Override
    protected DatabaseConfig freshDatabase() {
        return DatabaseConfig.sqlite(home);
    }
}
