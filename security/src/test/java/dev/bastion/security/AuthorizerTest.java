package dev.bastion.security;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthorizerTest {

    private final Principal alice = new Principal(1, "alice", Role.USER, Set.of(Scope.MODELS_USE), "aaaaaaaa");
    private final Principal bob = new Principal(2, "bob", Role.USER, Set.of(Scope.MODELS_USE, Scope.MODELS_MANAGE), "bbbbbbbb");
    private final Principal admin = new Principal(3, "root", Role.ADMIN, Role.ADMIN.grantableScopes(), "cccccccc");
    private final Principal adminWithUseKey = new Principal(3, "root", Role.ADMIN, Set.of(Scope.MODELS_USE), "dddddddd");

    @Test
    void usersSeeOnlyTheirOwnResources() {
        assertThat(Authorizer.canSee(alice, "alice")).isTrue();
        assertThat(Authorizer.canSee(alice, "bob")).isFalse();
        assertThat(Authorizer.canModify(bob, "alice")).isFalse();
        assertThatThrownBy(() -> Authorizer.requireCanSee(bob, "alice"))
                .isInstanceOf(AccessDeniedException.class).hasMessageNotContaining("alice");
    }

    @Test
    void adminsSeeAllButOnlyThroughAnAdminScopedKey() {
        assertThat(Authorizer.canSee(admin, "alice")).isTrue();
        assertThat(Authorizer.canSee(adminWithUseKey, "alice")).isFalse();
    }

    @Test
    void unownedModelsAreSharedOwnedOnesPrivate() {
        assertThat(Authorizer.canSeeModel(bob, null)).isTrue();
        assertThat(Authorizer.canSeeModel(bob, "alice")).isFalse();
        assertThat(Authorizer.canSeeModel(alice, "alice")).isTrue();
        assertThat(Authorizer.canSeeModel(admin, "alice")).isTrue();
        assertThat(Authorizer.canModify(bob, null)).as("shared models are changed by admins only").isFalse();
    }

    @Test
    void keyDelegationCannotEscalate() {
        assertThat(Authorizer.canCreateKey(bob, "bob", Set.of(Scope.MODELS_USE))).isTrue();
        assertThat(Authorizer.canCreateKey(alice, "alice", Set.of(Scope.MODELS_MANAGE))).isFalse();
        assertThat(Authorizer.canCreateKey(bob, "bob", Set.of(Scope.ADMIN))).isFalse();
        assertThat(Authorizer.canCreateKey(bob, "alice", Set.of(Scope.MODELS_USE))).isFalse();
        assertThat(Authorizer.canCreateKey(admin, "alice", Set.of(Scope.MODELS_MANAGE))).isTrue();
    }
}
