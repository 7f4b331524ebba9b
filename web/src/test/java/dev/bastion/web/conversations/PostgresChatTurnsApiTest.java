package dev.bastion.web.conversations;

import dev.bastion.security.db.TestPostgres;

import java.util.Map;

class PostgresChatTurnsApiTest extends ChatTurnsApiContract {

    @Override
    protected Map<String, String> environment() throws Exception {
        return TestPostgres.shared().freshEnvironment(scratch);
    }
}
