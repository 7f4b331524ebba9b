package dev.bastion.credits;

import dev.bastion.security.db.DatabaseConfig;
import dev.bastion.security.db.TestPostgres;

class PostgresLedgerTest extends LedgerContract {

    @Override
    protected DatabaseConfig freshDatabase() {
        return TestPostgres.shared().freshConfig();
    }
}
