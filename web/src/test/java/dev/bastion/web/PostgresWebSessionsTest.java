package dev.bastion.web;

import dev.bastion.security.db.DatabaseConfig;
import dev.bastion.security.db.TestPostgres;

import java.util.Map;

/** The same sessions, passwords and CSRF tests with the security database on PostgreSQL. */
class PostgresWebSessionsTest extends WebSessionsTest {

    @Override
    Map<String, String> environment() {
        TestPostgres postgres = TestPostgres.shared();
        return Map.of(DatabaseConfig.ENV_URL, postgres.freshDatabase(),
                DatabaseConfig.ENV_USER, TestPostgres.APP_USER, DatabaseConfig.ENV_PASSWORD, TestPostgres.APP_PASSWORD);
    }
}
