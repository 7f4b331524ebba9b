package dev.bastion.api;

import io.javalin.security.RouteRole;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AccessTest {

    private enum OtherRole implements RouteRole { ANYONE }

    @Test
    void aRouteDeclaringNoAccessOrAnAmbiguousOneNeedsAdmin() {
        assertThat(Access.declaredBy(Set.of())).isEqualTo(Access.ADMIN);
        assertThat(Access.declaredBy(Set.of(OtherRole.ANYONE))).isEqualTo(Access.ADMIN);
        assertThat(Access.declaredBy(Set.of(Access.OPEN, Access.MODELS_USE))).isEqualTo(Access.ADMIN);
        assertThat(Access.declaredBy(Set.of(Access.OPEN, OtherRole.ANYONE))).isEqualTo(Access.OPEN);
        assertThat(Access.declaredBy(Set.of(Access.MODELS_MANAGE))).isEqualTo(Access.MODELS_MANAGE);
    }

    @Test
    void onlyOpenRoutesMaySkipRateLimits() {
        assertThat(Access.PROBE.rateLimited()).isFalse();
        assertThat(Access.PROBE.scope()).isEmpty();
        assertThat(Access.OPEN.rateLimited()).isTrue();
        assertThat(Access.MODELS_USE.rateLimited()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        new Access(java.util.Optional.of(dev.bastion.security.Scope.ADMIN), false))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
