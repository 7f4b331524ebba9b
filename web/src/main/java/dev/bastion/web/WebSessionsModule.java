package dev.bastion.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.ServerModule;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Principal;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.SlidingWindowRateLimiter;
import dev.bastion.security.User;
import dev.bastion.web.account.PendingSignIns;
import dev.bastion.web.account.TwoFactor;
import dev.bastion.web.account.TwoFactorPolicy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HandlerType;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sign-in with a password, sign-out and "who am I" for the web app, the session cookie as an authenticator, CSRF
 * checks on state-changing requests made with that cookie, and security headers on {@code /web/}.
 */
public final class WebSessionsModule implements ServerModule {

    /** Set to true when a proxy in front terminates TLS, so the cookie is still marked Secure. */
    public static final String COOKIE_SECURE_ENV = "BASTION_COOKIE_SECURE";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CONTENT_SECURITY_POLICY = SecurityHeaders.CONTENT_SECURITY_POLICY;
    /** One message for an unknown user and a wrong password, so names cannot be probed. */
    static final String SIGN_IN_FAILED = "wrong user name or password";
    /** One message for every refused second step. */
    static final String SECOND_FACTOR_FAILED = "wrong or expired code; sign in again if this persists";
    private static final Set<HandlerType> STATE_CHANGING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH,
            HandlerType.DELETE);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sign-in attempts allowed per user name and per client address within the window. */
    public record SignInLimits(int perUser, int perAddress, Duration window) {
        public static final SignInLimits DEFAULT = new SignInLimits(10, 30, Duration.ofMinutes(15));
    }

    private final SecurityServices security;
    private final Sessions sessions;
    private final Passwords passwords;
    private final TwoFactor twoFactor;
    private final PendingSignIns pendingSignIns;
    private final TwoFactorPolicy twoFactorPolicy;
    private final SignInLimits limits;
    private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter();
    private final boolean secureCookie;
    private final String cookieName;

    public WebSessionsModule(SecurityServices security, boolean secureCookie, SignInLimits limits, Clock clock,
                             Duration idle, Duration absolute) {
        this(security, secureCookie, limits, clock, idle, absolute, TwoFactorPolicy.NONE);
    }

    public WebSessionsModule(SecurityServices security, boolean secureCookie, SignInLimits limits, Clock clock,
                             Duration idle, Duration absolute, TwoFactorPolicy twoFactorPolicy) {
        this.security = security;
        this.sessions = new Sessions(security.database(), clock, idle, absolute);
        this.passwords = new Passwords(security.database(), security.users(), sessions, clock);
        this.twoFactor = new TwoFactor(security.database(), security.secrets(), clock);
        this.pendingSignIns = new PendingSignIns(security.database(), clock);
        this.twoFactorPolicy = twoFactorPolicy;
        this.limits = limits;
        this.secureCookie = secureCookie;
        // __Host- makes the browser refuse the cookie unless Secure, Path=/ and no Domain: no subdomain can plant it.
        this.cookieName = secureCookie ? "__Host-bastion_session" : "bastion_session";
    }

    /**
     * Secure cookies when the server speaks TLS or {@value #COOKIE_SECURE_ENV} is {@code true}; the roles that must
     * use a second factor from {@value TwoFactorPolicy#ENV}.
     */
    public static WebSessionsModule fromEnvironment(SecurityServices security, Map<String, String> env, boolean tls) {
        boolean secure = tls || "true".equalsIgnoreCase(env.getOrDefault(COOKIE_SECURE_ENV, "").trim());
        return new WebSessionsModule(security, secure, SignInLimits.DEFAULT, Clock.systemUTC(), Sessions.DEFAULT_IDLE,
                Sessions.DEFAULT_ABSOLUTE, TwoFactorPolicy.fromEnvironment(env));
    }

    public TwoFactor twoFactor() {
        return twoFactor;
    }

    public SecurityServices security() {
        return security;
    }

    /** Whether the request's session may only enrol a second factor ({@value TwoFactorPolicy#ENV}). */
    public boolean mustEnrolSecondFactor(Context ctx) {
        return session(ctx).filter(s -> twoFactorPolicy.mustEnrol(s.role(), s.secondFactor())).isPresent();
    }

    public Passwords passwords() {
        return passwords;
    }

    public String cookieName() {
        return cookieName;
    }

    /** The live session the request's cookie names, if any (pages use it to know who is looking). */
    public Optional<Sessions.Session> session(Context ctx) {
        String cookie = ctx.cookie(cookieName);
        return cookie == null ? Optional.empty() : sessions.find(cookie);
    }

    /** The CSRF token of the session the request's cookie names (pages hand it to their scripts). */
    public Optional<String> csrfToken(Context ctx) {
        String cookie = ctx.cookie(cookieName);
        return session(ctx).map(s -> Sessions.csrfTokenOf(cookie));
    }

    @Override
    public List<Authenticator> authenticators() {
        return List.of(new SessionAuthenticator(sessions, cookieName, twoFactorPolicy));
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.before("/web/*", SecurityHeaders::apply);
        config.routes.beforeMatched(this::requireCsrfToken);
        config.routes.post("/web/api/sign-in", this::signIn, Access.OPEN);
        config.routes.post("/web/api/sign-in/totp", this::signInWithSecondFactor, Access.OPEN);
        config.routes.post("/web/api/sign-out", this::signOut, Access.scope(SessionAuthenticator.WEB_SESSION));
        config.routes.get("/web/api/me", this::me, Access.MODELS_USE);
        new AccountRoutes(this, passwords, twoFactor, twoFactorPolicy).register(config);
    }

    /**
     * Runs after the chain has authenticated: a state-changing request whose caller came in by the session cookie
     * (a session principal carries no key prefix) must echo the session's CSRF token. API-key requests are untouched.
     */
    private void requireCsrfToken(Context ctx) {
        if (!STATE_CHANGING.contains(ctx.method())) return;
        Optional<Principal> principal = RequestContext.principal(ctx);
        String cookie = ctx.cookie(cookieName);
        if (principal.isEmpty() || principal.get().keyPrefix() != null || principal.get() == Principal.LOCAL_OPERATOR
                || cookie == null) {
            return;
        }
        String token = ctx.header(CSRF_HEADER);
        if (sessions.find(cookie).filter(s -> s.csrfMatches(token)).isEmpty()) {
            audit(ctx, principal.get().userName(), "web.csrf", ctx.method().name() + " " + ctx.path(), "denied", Map.of());
            throw new ForbiddenResponse("missing or wrong " + CSRF_HEADER + " header");
        }
    }

    private void signIn(Context ctx) {
        JsonNode body = jsonBody(ctx);
        if (body == null || !body.path("user").isTextual() || !body.path("password").isTextual()) {
            ctx.status(400).json(Map.of("error", "expected {\"user\": \"...\", \"password\": \"...\"}"));
            return;
        }
        String user = body.get("user").asText();
        String auditedUser = user.length() > 64 ? user.substring(0, 64) : user;
        if (!withinSignInLimits(ctx, "web.sign_in", auditedUser)) return;
        Optional<User> signedIn = passwords.check(user, body.get("password").asText());
        if (signedIn.isEmpty()) {
            audit(ctx, auditedUser, "web.sign_in", auditedUser, "failure", Map.of());
            ctx.status(401).json(Map.of("error", SIGN_IN_FAILED));
            return;
        }
        if (twoFactor.isEnabled(signedIn.get().id())) {
            // No session yet: the right password only earns a short-lived token to present the code with.
            String token = pendingSignIns.create(signedIn.get().id());
            audit(ctx, signedIn.get().name(), "web.sign_in", signedIn.get().name(), "pending", Map.of("second_factor", "totp"));
            ctx.json(Map.of("second_factor", "totp", "token", token));
            return;
        }
        startSession(ctx, signedIn.get(), "web.sign_in", Map.of());
    }

    /**
     * The second step: the pending token with a TOTP code or a recovery code. Every refusal (wrong, replayed or
     * reused code, unknown or expired token, another user's code) gets the same answer; the audit log says which.
     */
    private void signInWithSecondFactor(Context ctx) {
        JsonNode body = jsonBody(ctx);
        boolean code = body != null && body.path("code").isTextual();
        boolean recovery = body != null && body.path("recovery_code").isTextual();
        if (body == null || !body.path("token").isTextual() || code == recovery) {
            ctx.status(400).json(Map.of("error", "expected {\"token\", \"code\"} or {\"token\", \"recovery_code\"}"));
            return;
        }
        String token = body.get("token").asText();
        Optional<PendingSignIns.Pending> pending = pendingSignIns.peek(token);
        String name = pending.map(PendingSignIns.Pending::userName).orElse("?");
        if (!withinSignInLimits(ctx, "web.sign_in", pending.isPresent() ? name : null)) return;
        String refusal;
        if (pending.isEmpty() || !pendingSignIns.spendAttempt(token)) {
            refusal = "expired_token";
        } else {
            long userId = pending.get().userId();
            TwoFactor.Check check = code ? twoFactor.verifyCode(userId, body.get("code").asText())
                    : twoFactor.useRecoveryCode(userId, body.get("recovery_code").asText());
            refusal = check == TwoFactor.Check.ACCEPTED ? null : (recovery ? "recovery_code_" : "code_") + check.reason();
        }
        Optional<User> user = pending.flatMap(p -> security.users().find(p.userName())).filter(u -> !u.disabled());
        if (refusal == null && (!pendingSignIns.consume(token) || user.isEmpty())) refusal = "expired_token";
        if (refusal != null) {
            audit(ctx, name, "web.sign_in", name, "failure", Map.of("second_factor", "totp", "reason", refusal));
            ctx.status(401).json(Map.of("error", SECOND_FACTOR_FAILED));
            return;
        }
        startSession(ctx, user.get(), "web.sign_in", Map.of("second_factor", recovery ? "recovery_code" : "totp"));
    }

    /**
     * Creates the session, sets its cookie and answers who signed in. A fresh id every time: an id planted before
     * sign-in (fixation), or the one the browser had, is revoked and never promoted.
     */
    void startSession(Context ctx, User user, String action, Map<String, String> details) {
        String previous = ctx.cookie(cookieName);
        if (previous != null) sessions.revoke(previous);
        Sessions.Created created = sessions.create(user.id());
        setCookie(ctx, created.id(), null);
        audit(ctx, user.name(), action, user.name(), "success", details);
        Map<String, Object> view = view(user.name(), user.role().id(), created.csrfToken());
        view.put("totp_enrolment_required", twoFactorPolicy.mustEnrol(user.role(), twoFactor.isEnabled(user.id())));
        ctx.json(view);
    }

    /**
     * Counts an attempt against the sign-in limits, per user name (when known) and per client address; over either,
     * answers 429 and audits it. Also guards the second step and re-entering a password on the account page.
     */
    boolean withinSignInLimits(Context ctx, String action, String userName) {
        String ip = ctx.attribute(RequestContext.CLIENT_IP_ATTRIBUTE);
        var byUser = userName == null ? new SlidingWindowRateLimiter.Decision(true, 0)
                : limiter.tryAcquire("user:" + userName.toLowerCase(java.util.Locale.ROOT), limits.perUser(), limits.window());
        var byAddress = limiter.tryAcquire("ip:" + ip, limits.perAddress(), limits.window());
        if (byUser.allowed() && byAddress.allowed()) return true;
        String target = userName == null ? "?" : userName;
        audit(ctx, target, action, target, "denied", Map.of("reason", "rate_limited"));
        long retry = Math.max(byUser.retryAfterSeconds(), byAddress.retryAfterSeconds());
        ctx.status(429).header("Retry-After", Long.toString(retry)).json(Map.of("error", "too many sign-in attempts"));
        return false;
    }

    static JsonNode jsonBody(Context ctx) {
        try {
            JsonNode body = JSON.readTree(ctx.body());
            return body != null && body.isObject() ? body : null;
        } catch (Exception e) {
            return null;
        }
    }

    private void signOut(Context ctx) {
        String cookie = ctx.cookie(cookieName);
        if (cookie != null) sessions.revoke(cookie);
        setCookie(ctx, "", 0);
        audit(ctx, RequestContext.principalName(ctx), "web.sign_out", RequestContext.principalName(ctx), "success", Map.of());
        ctx.status(204);
    }

    private void me(Context ctx) {
        Principal principal = RequestContext.principal(ctx).orElseThrow();
        String cookie = ctx.cookie(cookieName);
        String csrf = principal.keyPrefix() == null && cookie != null ? Sessions.csrfTokenOf(cookie) : null;
        ctx.json(view(principal.userName(), principal.role().id(), csrf));
    }

    static Map<String, Object> view(String user, String role, String csrf) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("user", user);
        view.put("role", role);
        view.put("csrf_token", csrf);
        return view;
    }

    private void setCookie(Context ctx, String value, Integer maxAge) {
        StringBuilder cookie = new StringBuilder(cookieName).append('=').append(value)
                .append("; Path=/; HttpOnly; SameSite=Strict");
        if (maxAge != null) cookie.append("; Max-Age=").append(maxAge);
        if (secureCookie) cookie.append("; Secure");
        ctx.header("Set-Cookie", cookie.toString());
    }

    void audit(Context ctx, String actor, String action, String target, String outcome, Map<String, String> details) {
        Map<String, String> all = new LinkedHashMap<>(details);
        String ip = ctx.attribute(RequestContext.CLIENT_IP_ATTRIBUTE);
        if (ip != null) all.put("ip", ip);
        security.audit().append(new AuditEvent(RequestContext.requestId(ctx), actor, action, target, outcome, all));
    }
}
