package dev.bastion.credits;

import dev.bastion.security.db.DatabaseConfig;
import dev.bastion.security.db.TestPostgres;

class PostgresEarningsTest extends EarningsContract {

    @Override
    protected DatabaseConfig freshDatabase() {
        return TestPostgres.shared().freshConfig();
    }
}
