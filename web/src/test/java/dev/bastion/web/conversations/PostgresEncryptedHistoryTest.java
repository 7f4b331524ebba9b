package dev.bastion.web.conversations;

import dev.bastion.security.db.TestPostgres;

import java.util.Map;

class PostgresEncryptedHistoryTest extends EncryptedHistoryContract {

    @Override
    protected Map<String, String> database() throws Exception {
        return TestPostgres.shared().freshEnvironment(scratch);
    }

    @Override
    protected boolean sqlite() {
        return false;
    }
}
