package dev.bastion.web.conversations;

import java.util.Map;

class SqliteConversationsApiTest extends ConversationsApiContract {

    @Override
    protected Map<String, String> environment() {
        return Map.of();
    }
}
