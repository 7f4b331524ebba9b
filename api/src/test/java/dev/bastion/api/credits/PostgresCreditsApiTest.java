package dev.bastion.api.credits;

import dev.bastion.security.db.TestPostgres;

import java.util.Map;

class PostgresCreditsApiTest extends CreditsApiContract {

    @Override
    protected Map<String, String> environment() throws Exception {
        return TestPostgres.shared().freshEnvironment(source);
    }
}
