package dev.bastion.web;

import dev.bastion.security.Authentication;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The session cookie as a credential: the same {@link Principal} as an API key's (no key prefix), so sessions go through
 * the chain's roles, IP allowlist, rate limits and audit log. A signed-in user gets what the web app needs: using
 * models and tools, plus admin and models:manage for admins.
 */
public final class SessionAuthenticator implements Authenticator {

    static final Scope TOOLS_USE = Scope.define("tools:use");

    private final Sessions sessions;
    private final String cookieName;

    public SessionAuthenticator(Sessions sessions, String cookieName) {
        this.sessions = sessions;
        this.cookieName = cookieName;
    }

    @Override
    public Optional<Authentication> authenticate(Credentials request) {
        String id = request.cookie(cookieName);
        if (id == null) return Optional.empty();
        return Optional.of(sessions.find(id)
                .<Authentication>map(s -> new Authentication.Authenticated(principal(s)))
                .orElseGet(() -> new Authentication.Rejected(Map.of("credential", "session"))));
    }

    static Principal principal(Sessions.Session session) {
        return new Principal(session.userId(), session.userName(), session.role(), scopesOf(session.role()), null);
    }

    static Set<Scope> scopesOf(Role role) {
        Set<Scope> scopes = new HashSet<>(Set.of(Scope.MODELS_USE, TOOLS_USE));
        // Admins manage models from the admin console (delete, import), as an admin key with models:manage would.
        if (role == Role.ADMIN) scopes.addAll(Set.of(Scope.ADMIN, Scope.MODELS_MANAGE));
        return scopes;
    }
}
