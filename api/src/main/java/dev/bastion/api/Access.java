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
 */
public record Access(Optional<Scope> scope) implements RouteRole {

    public static final Access OPEN = new Access(Optional.empty());
    public static final Access MODELS_USE = scope(Scope.MODELS_USE);
    public static final Access MODELS_MANAGE = scope(Scope.MODELS_MANAGE);
    public static final Access ADMIN = scope(Scope.ADMIN);

    public static Access scope(Scope scope) {
        return new Access(Optional.of(scope));
    }

    /** The access a matched route declared; none (or several: ambiguous) means admin. */
    public static Access declaredBy(Set<RouteRole> roles) {
        var declared = roles.stream().filter(Access.class::isInstance).map(Access.class::cast).toList();
        return declared.size() == 1 ? declared.getFirst() : ADMIN;
    }
}
