package dev.bastion.security;

import dev.bastion.security.db.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeyAuthenticatorTest {

    @TempDir
    Path home;

    private static Authenticator.Credentials headers(Map<String, String> headers) {
        return new Authenticator.Credentials() {
            @Override
            public String header(String name) {
                return headers.get(name);
            }

            @Override
            public String cookie(String name) {
                return null;
            }
        };
    }

    private static Optional<Authentication> authorization(Authenticator authenticator, String value) {
        return authenticator.authenticate(headers(value == null ? Map.of() : Map.of("Authorization", value)));
    }

    @Test
    void claimsOnlyBearerKeysInItsOwnFormatAndTellsTheAuditNoSecret() {
        Database db = Database.openHome(home);
        UserService users = new UserService(db);
        ApiKeyService keys = new ApiKeyService(db, users);
        users.create("alice", Role.USER);
        String key = keys.create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        Authenticator authenticator = new ApiKeyAuthenticator(keys);

        assertThat(authorization(authenticator, "bearer " + key)).hasValueSatisfying(a ->
                assertThat(((Authentication.Authenticated) a).principal().userName()).isEqualTo("alice"));
        for (String notMine : new String[] {null, "Basic YWxpY2U6eA==", "Bearer mcp-oauth-token", "Bearer", key}) {
            assertThat(authorization(authenticator, notMine)).as(String.valueOf(notMine)).isEmpty();
        }
        String forged = key.substring(0, 13) + "A".repeat(43);
        assertThat(authorization(authenticator, "Bearer " + forged))
                .contains(new Authentication.Rejected(Map.of("key_prefix", key.substring(4, 12))));
        assertThat(authorization(authenticator, "Bearer bst_short")).contains(new Authentication.Rejected(Map.of()));
    }

    @Test
    void acceptsTheKeyAsAnthropicsXApiKeyButNeverTwoDifferentKeys() {
        Database db = Database.openHome(home);
        UserService users = new UserService(db);
        ApiKeyService keys = new ApiKeyService(db, users);
        users.create("alice", Role.USER);
        users.create("bob", Role.ADMIN);
        String alice = keys.create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        String bob = keys.create("bob", Set.of(Scope.MODELS_USE), null, null).secret();
        Authenticator authenticator = new ApiKeyAuthenticator(keys);

        assertThat(authenticator.authenticate(headers(Map.of("x-api-key", alice)))).hasValueSatisfying(a ->
                assertThat(((Authentication.Authenticated) a).principal().userName()).isEqualTo("alice"));
        assertThat(authenticator.authenticate(headers(Map.of("x-api-key", " " + alice + " ", "Authorization", "Bearer " + alice))))
                .hasValueSatisfying(a -> assertThat(a).isInstanceOf(Authentication.Authenticated.class));
        // a valid key in one header must not vouch for another in the other, whichever is checked first
        for (Map<String, String> mixed : java.util.List.of(Map.of("x-api-key", alice, "Authorization", "Bearer " + bob),
                Map.of("x-api-key", bob, "Authorization", "Bearer " + alice),
                Map.of("x-api-key", alice + "x", "Authorization", "Bearer " + alice))) {
            assertThat(authenticator.authenticate(headers(mixed))).as(mixed.toString())
                    .hasValueSatisfying(a -> assertThat(a).isInstanceOf(Authentication.Rejected.class));
        }
        String forged = alice.substring(0, 13) + "A".repeat(43);
        assertThat(authenticator.authenticate(headers(Map.of("x-api-key", forged))))
                .contains(new Authentication.Rejected(Map.of("key_prefix", alice.substring(4, 12))));
        assertThat(authenticator.authenticate(headers(Map.of("x-api-key", "sk-ant-something")))).as("not our key format").isEmpty();
    }
}
