package dev.bastion.web.conversations;

import java.util.Map;

class SqliteEncryptedHistoryTest extends EncryptedHistoryContract {

    @Override
    protected Map<String, String> database() {
        return Map.of();
    }

    @Override
    protected boolean sqlite() {
        return true;
    }
}
