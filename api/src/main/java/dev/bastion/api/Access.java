package dev.bastion.api;

import dev.bastion.security.Scope;
import io.javalin.security.RouteRole;

import java.util.Optional;
import java.util.Set;

/**
 * What a route requires, declared where it is registered: {@code routes.get("/api/tags", this::tags, Access.MODELS_USE)}.
 * The security chain reads it from the matched route; a route that declares none needs the admin scope (fail closed).
 * A module's own scope: {@code Access.scope(Scope.define("mcp:use"))}.
 *
 * @param scope the scope the caller's key must carry; empty for an open route (no authentication)
 * @param rateLimited false only for {@link #PROBE}: open routes a load balancer polls, which must not be refused
 *                    because clients behind the same address spent its quota
 */
public record Access(Optional<Scope> scope, boolean rateLimited) implements RouteRole {

    public static final Access OPEN = new Access(Optional.empty());
    /** Health probes: open and not rate limited (they reveal nothing and cost no more than a cached check). */
    public static final Access PROBE = new Access(Optional.empty(), false);
    public static final Access MODELS_USE = scope(Scope.MODELS_USE);
    public static final Access MODELS_MANAGE = scope(Scope.MODELS_MANAGE);
    public static final Access ADMIN = scope(Scope.ADMIN);

    public Access {
        if (scope.isPresent() && !rateLimited) {
            throw new IllegalArgumentException("only open routes may skip rate limits, not one needing " + scope.get());
        }
    }

    public Access(Optional<Scope> scope) {
        this(scope, true);
    }

    public static Access scope(Scope scope) {
        return new Access(Optional.of(scope));
    }

    /** The access a matched route declared; none (or several: ambiguous) means admin. */
    public static Access declaredBy(Set<RouteRole> roles) {
        var declared = roles.stream().filter(Access.class::isInstance).map(Access.class::cast).toList();
        return declared.size() == 1 ? declared.getFirst() : ADMIN;
    }
}
