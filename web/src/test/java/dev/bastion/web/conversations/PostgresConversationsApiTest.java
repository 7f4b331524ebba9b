package dev.bastion.web.conversations;

import dev.bastion.security.SecretBox;
import dev.bastion.security.db.DatabaseConfig;
import dev.bastion.security.db.TestPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

class PostgresConversationsApiTest extends ConversationsApiContract {

    @Override
    protected Map<String, String> environment() throws Exception {
        Path passwordFile = Files.createTempFile(scratch, "db-password", "");
        Files.writeString(passwordFile, TestPostgres.APP_PASSWORD + "\n");
        return Map.of(DatabaseConfig.ENV_URL, TestPostgres.shared().freshDatabase(),
                DatabaseConfig.ENV_USER, TestPostgres.APP_USER,
                DatabaseConfig.ENV_PASSWORD_FILE, passwordFile.toString(),
                SecretBox.ENV_KEY, Base64.getEncoder().encodeToString(new byte[32]));
    }
}
