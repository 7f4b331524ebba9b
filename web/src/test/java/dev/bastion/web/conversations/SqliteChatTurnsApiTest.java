package dev.bastion.web.conversations;

import java.util.Map;

class SqliteChatTurnsApiTest extends ChatTurnsApiContract {

    @Override
    protected Map<String, String> environment() {
        return Map.of();
    }
}
