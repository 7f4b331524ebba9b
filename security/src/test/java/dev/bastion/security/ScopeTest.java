package dev.bastion.security;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScopeTest {

    @Test
    void wellKnownScopesParseByTheirStoredIds() {
        assertThat(Scope.parse("models:use")).isEqualTo(Scope.MODELS_USE);
        assertThat(Scope.parseAll("admin models:manage,models:use"))
                .containsExactlyInAnyOrder(Scope.ADMIN, Scope.MODELS_MANAGE, Scope.MODELS_USE);
        assertThat(Scope.format(Set.of(Scope.MODELS_USE, Scope.ADMIN))).isEqualTo("admin models:use");
    }

    @Test
    void aModuleDefinesItsOwnScopeWithoutTouchingTheCore() {
        assertThatThrownBy(() -> Scope.parse("test-module:call")).hasMessageContaining("unknown scope 'test-module:call'");
        Scope call = Scope.define("test-module:call");
        assertThat(Scope.parse("test-module:call")).isEqualTo(call).isEqualTo(new Scope("test-module:call"));
        assertThat(Role.ADMIN.grantableScopes()).contains(call, Scope.ADMIN);
        assertThat(Role.USER.grantableScopes()).contains(call, Scope.MODELS_USE).doesNotContain(Scope.ADMIN);
    }

    @Test
    void metricsReadIsKnownAndOnlyAdminsMayHoldIt() {
        assertThat(Scope.parse("metrics:read")).isEqualTo(Scope.METRICS_READ);
        assertThat(Scope.METRICS_READ.adminOnly()).isTrue();
        assertThat(Scope.ADMIN.adminOnly()).isTrue();
        assertThat(Scope.MODELS_USE.adminOnly()).isFalse();
        assertThat(Scope.define("test-module:other").adminOnly()).isFalse();
        assertThat(Role.ADMIN.grantableScopes()).contains(Scope.METRICS_READ);
        assertThat(Role.USER.grantableScopes()).doesNotContain(Scope.METRICS_READ, Scope.ADMIN);
    }

    @Test
    void aUserWhoseOwnKeySomehowCarriesMetricsReadStillCannotDelegateIt() {
        Principal user = new Principal(1, "alice", Role.USER, Set.of(Scope.MODELS_USE, Scope.METRICS_READ), "aaaaaaaa");
        assertThat(Authorizer.canCreateKey(user, "alice", Set.of(Scope.METRICS_READ))).isFalse();
        assertThat(Authorizer.canCreateKey(user, "alice", Set.of(Scope.MODELS_USE))).isTrue();
    }

    @Test
    void storedIdsOfScopesThisBuildDoesNotKnowAreKeptNotRejected() {
        assertThat(Scope.parseAll("models:use retired-module:x")).containsExactlyInAnyOrder(Scope.MODELS_USE,
                new Scope("retired-module:x"));
    }

    @Test
    void malformedIdsAreRefused() {
        for (String bad : new String[] {"", " ", "Models:Use", "a b", "x\n", "models:use;drop", "é:x"}) {
            assertThatThrownBy(() -> new Scope(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Scope.parse("models:mange")).hasMessageContaining("expected").hasMessageContaining("models:use");
    }
}
