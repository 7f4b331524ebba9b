package dev.bastion.web;

import dev.bastion.security.Authentication;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.web.account.TwoFactorPolicy;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The session cookie as a credential: the same {@link Principal} as an API key's (no key prefix), so sessions go through
 * the chain's roles, IP allowlist, rate limits and audit log. A signed-in user gets what the web app needs: using
 * models and tools, plus admin for admins.
 */
public final class SessionAuthenticator implements Authenticator {

    static final Scope TOOLS_USE = Scope.define("tools:use");
    /**
     * What every signed-in browser has: its own account page and API, and signing out. Never defined as a key
     * scope, so no API key can carry it: an account's password and second factor change only from a session.
     */
    public static final Scope WEB_SESSION = new Scope("web:session");

    private final Sessions sessions;
    private final String cookieName;
    private final TwoFactorPolicy policy;

    public SessionAuthenticator(Sessions sessions, String cookieName) {
        this(sessions, cookieName, TwoFactorPolicy.NONE);
    }

    public SessionAuthenticator(Sessions sessions, String cookieName, TwoFactorPolicy policy) {
        this.sessions = sessions;
        this.cookieName = cookieName;
        this.policy = policy;
    }

    @Override
    public Optional<Authentication> authenticate(Credentials request) {
        String id = request.cookie(cookieName);
        if (id == null) return Optional.empty();
        return Optional.of(sessions.find(id)
                .<Authentication>map(s -> new Authentication.Authenticated(principal(s, policy)))
                .orElseGet(() -> new Authentication.Rejected(Map.of("credential", "session"))));
    }

    /**
     * A user whose role requires a second factor they have not enrolled gets {@link #WEB_SESSION} alone: the chain
     * then refuses every other route (chat, models, admin) with 403 until they enrol, whatever the pages show.
     */
    static Principal principal(Sessions.Session session, TwoFactorPolicy policy) {
        Set<Scope> scopes = new HashSet<>(Set.of(WEB_SESSION));
        if (!policy.mustEnrol(session.role(), session.secondFactor())) scopes.addAll(scopesOf(session.role()));
        return new Principal(session.userId(), session.userName(), session.role(), scopes, null);
    }

    static Set<Scope> scopesOf(Role role) {
        Set<Scope> scopes = new HashSet<>(Set.of(Scope.MODELS_USE, TOOLS_USE));
        if (role == Role.ADMIN) scopes.add(Scope.ADMIN);
        return scopes;
    }
}
