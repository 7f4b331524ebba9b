package dev.bastion.api.security;

import dev.bastion.api.Caller;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The secured model access decides from the caller it is handed, with no request context at all. */
class AccountModelAccessTest {

    private final AccountModelAccess access = new AccountModelAccess();

    private static Caller as(String name, Role role) {
        return new Caller(name, "req-1", new Principal(7, name, role, role.grantableScopes(), "abcd1234"));
    }

    @Test
    void aUserOwnsSeesAndChangesTheirOwnAndSeesSharedModelsOnly() {
        Caller alice = as("alice", Role.USER);
        assertThat(access.owner(alice)).isEqualTo("alice");
        assertThat(access.maySee(alice, "alice")).isTrue();
        assertThat(access.maySee(alice, null)).isTrue();
        assertThat(access.maySee(alice, "bob")).isFalse();
        assertThat(access.mayModify(alice, "alice")).isTrue();
        assertThat(access.mayModify(alice, "bob")).isFalse();
        assertThat(access.mayModify(alice, null)).as("shared models are the admins'").isFalse();
    }

    @Test
    void anAdminSeesAndChangesEverything() {
        Caller root = as("root", Role.ADMIN);
        assertThat(access.maySee(root, "bob")).isTrue();
        assertThat(access.mayModify(root, "bob")).isTrue();
        assertThat(access.mayModify(root, null)).isTrue();
    }

    @Test
    void theLocalOperatorStoresSharedModelsAndACallerWithoutAccountGetsNothing() {
        Caller operator = new Caller(Principal.LOCAL_OPERATOR.userName(), null, Principal.LOCAL_OPERATOR);
        assertThat(access.owner(operator)).isNull();
        assertThat(access.maySee(operator, "bob")).isTrue();
        assertThat(access.mayModify(operator, null)).isTrue();

        Caller nameOnly = new Caller("alice", null); // a name without an account the chain authenticated
        assertThat(access.owner(nameOnly)).isNull();
        assertThat(access.maySee(nameOnly, null)).isFalse();
        assertThat(access.mayModify(nameOnly, "alice")).isFalse();
    }
}
