package dev.bastion.security;

import java.util.Objects;
import java.util.Set;

/**
 * The authenticated caller: a user acting through one API key, bounded by that key's scopes. Implements
 * {@link java.security.Principal} (name = user name) so generic HTTP code can read the caller without this module.
 */
public record Principal(long userId, String userName, Role role, Set<Scope> scopes, String keyPrefix)
        implements java.security.Principal {

    /** Stands for the operator in {@code --insecure-no-auth} mode (loopback only). */
    public static final Principal LOCAL_OPERATOR =
            new Principal(0, "local", Role.ADMIN, Role.ADMIN.grantableScopes(), null);

    public Principal {
        Objects.requireNonNull(userName, "userName");
        Objects.requireNonNull(role, "role");
        scopes = Set.copyOf(scopes);
    }

    /** Admin rights need both the admin role and a key carrying the admin scope (least privilege per key). */
    public boolean isAdmin() {
        return role == Role.ADMIN && scopes.contains(Scope.ADMIN);
    }

    @Override
    public String getName() {
        return userName;
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }
}
