package dev.bastion.api.credits;

import java.util.Map;

class SqliteCreditsApiTest extends CreditsApiContract {

    @Override
    protected Map<String, String> environment() {
        return Map.of();
    }
}
