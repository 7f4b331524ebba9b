package dev.bastion.api.security;

import dev.bastion.api.Access;
import dev.bastion.api.RequestContext;
import dev.bastion.api.SecurityLayer;
import dev.bastion.api.ServerConfig;
import dev.bastion.security.ApiKeyAuthenticator;
import dev.bastion.security.ApiKeyService;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Authentication;
import dev.bastion.security.Authenticator;
import dev.bastion.security.Cidr;
import dev.bastion.security.ClientAddressResolver;
import dev.bastion.security.CorsPolicy;
import dev.bastion.security.IpAllowlist;
import dev.bastion.security.LogContext;
import dev.bastion.security.Principal;
import dev.bastion.security.RequestIds;
import dev.bastion.security.Scope;
import dev.bastion.security.SlidingWindowRateLimiter;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.EndpointNotFound;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.net.InetAddress;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The one enforcement path every HTTP request goes through, as named steps. Before routing, for every request:
 * {@link #assignRequestId} → {@link #checkClientAddress} (IP allowlist, loopback Host without auth) →
 * {@link #applyCors} → {@link #checkBodySize}. Then, with the {@link Access} the matched route declared (admin for
 * a route declaring none and for paths no route serves): {@link #authenticate} (the authenticators in order, API keys
 * first) → {@link #rateLimit} → {@link #authorize} → {@link #requireAuditableChange} → {@link #handOver} the principal to handlers
 * ({@link RequestContext#principal}). Security events are audited where they happen ({@link #record}). The Jetty
 * side (connector, TLS, limits) is {@link ServerConnectors}.
 * Usage: {@code Javalin.create(config -> { new SecurityFilterChain(securityConfig, keys, audit).install(config); ... })}
 * then {@code app.start()} (host and port come from {@link SecurityConfig}, or from the Javalin config if it has none).
 */
public final class SecurityFilterChain implements SecurityLayer {

    private static final String CLIENT_ADDRESS_ATTRIBUTE = "bastion.clientAddress";
    private static final String HSTS = "max-age=31536000; includeSubDomains";
    private static final int MAX_LOGGED_CHARS = 256;
    private static final String UNAUTHENTICATED = "missing or invalid API key";
    private static final String AUDIT_UNAVAILABLE = "the audit log cannot be written";
    private static final Logger LOG = LoggerFactory.getLogger(SecurityFilterChain.class);

    private final SecurityConfig config;
    private final List<Authenticator> authenticators;
    private final AuditLog audit;
    private final IpAllowlist allowlist;
    private final ClientAddressResolver addresses;
    private final CorsPolicy cors;
    private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter();

    /** API keys as the first authenticator ({@code keys} may be null with {@code --insecure-no-auth}). */
    public SecurityFilterChain(SecurityConfig config, ApiKeyService keys, AuditLog audit) {
        this(config, audit, keys == null ? List.of() : List.of(new ApiKeyAuthenticator(keys)));
    }

    /**
     * Validates the whole configuration up front, so a bad CIDR or origin fails at startup, naming the value.
     * {@code authenticators} are tried in order, before those of the server's modules.
     */
    private SecurityFilterChain(SecurityConfig config, AuditLog audit, List<Authenticator> authenticators) {
        this.config = config;
        this.authenticators = List.copyOf(authenticators);
        this.audit = audit;
        this.allowlist = IpAllowlist.parse(config.ipAllowlist());
        this.addresses = ClientAddressResolver.parse(config.trustedProxies());
        this.cors = config.corsOrigins().isEmpty() ? CorsPolicy.loopbackOnly() : CorsPolicy.of(config.corsOrigins());
        if (config.insecureNoAuth() && config.host() != null) {
            requireLoopback(config.host());
        } else if (!config.insecureNoAuth() && authenticators.isEmpty()) {
            throw new IllegalArgumentException("an authenticator (API keys) is required unless --insecure-no-auth is set");
        }
    }

    /**
     * Puts a server behind this chain, as {@code bastion serve} runs it: its filters and body limit, the caller as
     * owner of the models it stores, the ownership rules for seeing and changing models (unowned models are shared;
     * the local operator of {@code --insecure-no-auth} sees all and stores shared models), and model operations in
     * the audit log.
     */
    public ServerConfig secure(ServerConfig server) {
        return server.withMaxBodyBytes(config.maxBodyBytes())
                .withSecurity(this)
                .withModelAccess(new AccountModelAccess())
                .withModelAudit((ctx, action, model, outcome, details) ->
                        record(ctx, RequestContext.principal(ctx).orElse(null), action, model, outcome, details));
    }

    /** Applies connectors, limits, filters and error mapping to a Javalin config, with this chain's authenticators. */
    public void install(JavalinConfig javalin) {
        install(javalin, List.of());
    }

    /** As {@link #install(JavalinConfig)}, trying {@code moduleAuthenticators} after this chain's own. */
    @Override
    public void install(JavalinConfig javalin, List<Authenticator> moduleAuthenticators) {
        List<Authenticator> tried = Stream.concat(authenticators.stream(), moduleAuthenticators.stream()).toList();
        if (config.host() != null) {
            javalin.jetty.host = config.host();
            javalin.jetty.port = config.port();
        }
        if (config.insecureNoAuth()) {
            requireLoopback(javalin.jetty.host);
            LOG.warn("AUTHENTICATION IS DISABLED (--insecure-no-auth): anyone who can reach {}:{} has full admin"
                    + " access. Only loopback binds are allowed in this mode.", javalin.jetty.host, javalin.jetty.port);
        }
        javalin.http.maxRequestSize = config.maxBodyBytes();
        ServerConnectors.install(javalin, config, host -> {
            if (config.insecureNoAuth()) requireLoopback(host);
        });
        javalin.routes.before(this::screen);
        javalin.routes.beforeMatched(ctx -> admit(ctx, Access.declaredBy(ctx.routeRoles()), tried));
        javalin.routes.after(ctx -> {
            MDC.remove(LogContext.REQUEST_ID);
            MDC.remove(LogContext.USER);
        });
        javalin.routes.exception(SecurityRejection.class, SecurityFilterChain::writeRejection);
        // A path no route serves is guarded like an admin route, so probing cannot tell which paths exist.
        javalin.routes.exception(EndpointNotFound.class, (e, ctx) -> {
            try {
                admit(ctx, Access.ADMIN, tried);
                ErrorResponses.write(ctx, 404, e.getMessage(), "invalid_request_error", null);
            } catch (SecurityRejection rejection) {
                writeRejection(rejection, ctx);
            }
        });
        javalin.routes.exception(AuditLog.AuditUnavailableException.class, (e, ctx) -> {
            LOG.error("request {} {}: {}", ctx.method(), printable(ctx.path()), e.getMessage());
            ErrorResponses.write(ctx, 503, AUDIT_UNAVAILABLE, "server_error", "audit_unavailable");
        });
        javalin.routes.exception(HttpResponseException.class, (e, ctx) -> ErrorResponses.write(ctx, e.getStatus(),
                e.getStatus() == 413 ? "request body too large" : e.getMessage(), "invalid_request_error", null));
        javalin.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("request {} {} failed", ctx.method(), printable(ctx.path()), e);
            ErrorResponses.write(ctx, 500, "internal error", "server_error", null);
        });
    }

    /** Every request, matched or not, before routing. */
    private void screen(Context ctx) {
        assignRequestId(ctx);
        checkClientAddress(ctx);
        if (applyCors(ctx)) {
            return;
        }
        checkBodySize(ctx);
    }

    /** A request for a route (or for no route, as admin) once its required access is known. */
    private void admit(Context ctx, Access access, List<Authenticator> tried) {
        Principal principal = authenticate(ctx, access, tried);
        if (access.rateLimited()) rateLimit(ctx, principal);
        authorize(ctx, access, principal);
        requireAuditableChange(ctx, access);
        handOver(ctx, principal);
    }

    /** Step 1: the request id (the client's if plain), on the response, the request and the log context. */
    private void assignRequestId(Context ctx) {
        String requestId = RequestIds.resolve(ctx.header(RequestContext.REQUEST_ID_HEADER));
        ctx.attribute(RequestContext.REQUEST_ID_ATTRIBUTE, requestId);
        ctx.header(RequestContext.REQUEST_ID_HEADER, requestId);
        ctx.header("X-Content-Type-Options", "nosniff");
        if (config.tlsEnabled()) {
            ctx.header("Strict-Transport-Security", HSTS);
        }
        MDC.put(LogContext.REQUEST_ID, requestId);
        MDC.remove(LogContext.USER);
    }

    /** Step 2: the real client address (behind trusted proxies) must be allowed. */
    private void checkClientAddress(Context ctx) {
        InetAddress client = addresses.resolve(ctx.req().getRemoteAddr(),
                Collections.list(ctx.req().getHeaders("X-Forwarded-For")));
        String clientIp = client.getHostAddress();
        ctx.attribute(CLIENT_ADDRESS_ATTRIBUTE, client);
        ctx.attribute(RequestContext.CLIENT_IP_ATTRIBUTE, clientIp);
        requireAllowed(ctx, client, Map.of());
        // Without authentication, a web page whose name was re-resolved to 127.0.0.1 (DNS rebinding) could read the
        // API with same-origin requests that carry no Origin header; its foreign Host header gives it away.
        if (config.insecureNoAuth() && !isLoopbackHost(ctx.header("Host"))) {
            throw reject(403, "forbidden: Host must name a loopback address without authentication",
                    "permission_error", "host_not_allowed", Map.of());
        }
    }

    /** The IP allowlist, for the connecting client and for a client a peer node vouches for alike. */
    private void requireAllowed(Context ctx, InetAddress client, Map<String, String> details) {
        if (allowlist.allows(client)) return;
        // Recording is throttled per client so a denied flood cannot fill the disk with audit records.
        if (limiter.tryAcquire("denied:" + ClientAddressResolver.rateLimitKey(client), config.rateLimits().perIp(),
                config.rateLimits().window()).allowed()) {
            Map<String, String> recorded = new TreeMap<>(details);
            recorded.put("ip", client.getHostAddress());
            recordRefusal(ctx, null, "ip.denied", ctx.path(), recorded);
        }
        throw reject(403, "forbidden", "permission_error", "ip_not_allowed", Map.of());
    }

    /** Step 3: browser origins; answers a preflight itself (true: nothing more to do). */
    private boolean applyCors(Context ctx) {
        String origin = ctx.header("Origin");
        String preflightMethod = ctx.header("Access-Control-Request-Method");
        if ("OPTIONS".equals(ctx.method().name()) && origin != null && preflightMethod != null) {
            Map<String, String> headers = cors.preflightHeaders(origin, preflightMethod,
                    ctx.header("Access-Control-Request-Headers"));
            if (headers.isEmpty()) {
                throw reject(403, "origin not allowed", "permission_error", "cors_origin_not_allowed", Map.of());
            }
            headers.forEach(ctx::header);
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return true;
        }
        if (origin != null) {
            if (!cors.allows(origin)) {
                throw reject(403, "origin not allowed", "permission_error", "cors_origin_not_allowed", Map.of());
            }
            cors.responseHeaders(origin).forEach(ctx::header);
        }
        return false;
    }

    /** Step 4: a declared body size over the limit is refused before anything reads the body. */
    private void checkBodySize(Context ctx) {
        // blob uploads stream to disk and have their own cap (a model's weights are far over the JSON body limit)
        boolean blobUpload = ctx.path().startsWith("/api/blobs/");
        if (!blobUpload && ctx.contentLength() > config.maxBodyBytes()) {
            throw reject(413, "request body too large", "invalid_request_error", "body_too_large", Map.of());
        }
    }

    /**
     * Step 5: who is calling. Open routes need no one; otherwise the first authenticator that recognises a credential
     * decides, and a request none recognises, or one rejected, is a 401. A client a peer node vouches for must pass
     * the IP allowlist like a direct one (403, {@code ip.denied}).
     */
    private Principal authenticate(Context ctx, Access access, List<Authenticator> tried) {
        if (config.insecureNoAuth()) {
            return Principal.LOCAL_OPERATOR;
        }
        if (access.scope().isEmpty()) {
            return null;
        }
        Authenticator.Credentials credentials = new RequestCredentials(ctx);
        Map<String, String> details = new TreeMap<>();
        boolean presented = ctx.header("Authorization") != null || ctx.header(ApiKeyAuthenticator.X_API_KEY) != null;
        for (Authenticator authenticator : tried) {
            Optional<Authentication> verdict = authenticator.authenticate(credentials);
            if (verdict.isPresent()) {
                if (verdict.get() instanceof Authentication.Authenticated(Principal principal, InetAddress forwardedFor)) {
                    if (forwardedFor != null) {
                        // a peer node vouches for the client it forwarded: this node's own allowlist applies to that
                        // client too (a stricter node must not serve, through a peer, a client it refuses directly),
                        // and rate limits and records name the client
                        InetAddress peer = ctx.attribute(CLIENT_ADDRESS_ATTRIBUTE);
                        requireAllowed(ctx, forwardedFor, Map.of("forwarded_by", peer.getHostAddress()));
                        ctx.attribute(CLIENT_ADDRESS_ATTRIBUTE, forwardedFor);
                        ctx.attribute(RequestContext.CLIENT_IP_ATTRIBUTE, forwardedFor.getHostAddress());
                    }
                    return principal;
                }
                details.putAll(((Authentication.Rejected) verdict.get()).auditDetails());
                presented = true;
                break;
            }
        }
        InetAddress client = ctx.attribute(CLIENT_ADDRESS_ATTRIBUTE);
        details.put("ip", client.getHostAddress());
        details.put("reason", presented ? "invalid" : "missing");
        // Failed attempts count against the client IP, before recording, so a flood of bad keys is throttled
        // and cannot fill the disk with audit records.
        limit("authfail:" + ClientAddressResolver.rateLimitKey(client), config.rateLimits().perIp());
        recordRefusal(ctx, null, "auth.failure", ctx.method().name() + " " + ctx.path(), details);
        throw reject(401, UNAUTHENTICATED, "invalid_request_error", "invalid_api_key",
                Map.of("WWW-Authenticate", "Bearer realm=\"bastion\""));
    }

    /**
     * Step 6: per client IP always, per key when authenticated. Before authorization, so that denied requests count
     * too and a key cannot flood the audit log with scope denials.
     */
    private void rateLimit(Context ctx, Principal principal) {
        InetAddress client = ctx.attribute(CLIENT_ADDRESS_ATTRIBUTE);
        limit("ip:" + ClientAddressResolver.rateLimitKey(client), config.rateLimits().perIp());
        if (principal != null && principal.keyPrefix() != null) {
            limit("key:" + principal.keyPrefix(), config.rateLimits().perKey(principal.role()));
        }
    }

    /** Step 7: the route's scope, carried by the caller's key. The local operator of --insecure-no-auth has all. */
    private void authorize(Context ctx, Access access, Principal principal) {
        if (access.scope().isEmpty() || principal == Principal.LOCAL_OPERATOR) {
            return;
        }
        Scope required = access.scope().get();
        if (!principal.has(required)) {
            recordRefusal(ctx, principal, "authz.denied", ctx.method().name() + " " + ctx.path(),
                    Map.of("required_scope", required.id(), "ip", ctx.attribute(RequestContext.CLIENT_IP_ATTRIBUTE)));
            throw reject(403, "this API key lacks the scope " + required.id(), "permission_error",
                    "insufficient_scope", Map.of());
        }
    }

    /** Step 8: a change is refused up front if its audit record could not be written (reads need no record). */
    private void requireAuditableChange(Context ctx, Access access) {
        if (audit == null || access.scope().isEmpty() || access.scope().get().equals(Scope.MODELS_USE) || isRead(ctx)) {
            return;
        }
        try {
            audit.ensureWritable();
        } catch (AuditLog.AuditUnavailableException e) {
            LOG.error("refusing a change: {}", e.getMessage());
            throw reject(503, AUDIT_UNAVAILABLE + "; nothing was changed", "server_error", "audit_unavailable", Map.of());
        }
    }

    /** Reads change nothing, so they need no audit record. */
    private static boolean isRead(Context ctx) {
        String method = ctx.method().name();
        return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
    }

    /** Step 9: the principal for handlers and the log context. */
    private static void handOver(Context ctx, Principal principal) {
        if (principal != null) {
            ctx.attribute(RequestContext.PRINCIPAL_ATTRIBUTE, principal);
            MDC.put(LogContext.USER, principal.userName());
        }
    }

    private void limit(String key, int limit) {
        SlidingWindowRateLimiter.Decision decision = limiter.tryAcquire(key, limit, config.rateLimits().window());
        if (!decision.allowed()) {
            throw reject(429, "rate limit exceeded, retry later", "rate_limit_error", "rate_limit_exceeded",
                    Map.of("Retry-After", Long.toString(decision.retryAfterSeconds())));
        }
    }

    /** The audit trail of security events and model operations. */
    private void record(Context ctx, Principal actor, String action, String target, String outcome,
                        Map<String, String> details) {
        if (audit != null) {
            audit.append(new AuditEvent(RequestContext.requestId(ctx), actor == null ? null : actor.userName(), action,
                    printable(target), outcome, details));
        }
    }

    /** A request's credentials as authenticators see them. */
    private record RequestCredentials(Context ctx) implements Authenticator.Credentials {
        @Override
        public String header(String name) {
            return ctx.header(name);
        }

        @Override
        public String cookie(String name) {
            return ctx.cookie(name);
        }

        @Override
        public int localPort() {
            return ctx.req().getLocalPort();
        }
    }

    /**
     * A refusal stays a refusal (401, 403) when its record cannot be written: the request does nothing either way,
     * and a broken log must not turn wrong keys into server errors.
     */
    private void recordRefusal(Context ctx, Principal actor, String action, String target, Map<String, String> details) {
        try {
            record(ctx, actor, action, target, "denied", details);
        } catch (AuditLog.AuditUnavailableException e) {
            LOG.error("audit record of {} lost: {}", action, e.getMessage());
        }
    }

    private static void writeRejection(SecurityRejection e, Context ctx) {
        ctx.attribute(RequestContext.REFUSAL_ATTRIBUTE, e.code()); // counted by the server's metrics
        e.headers().forEach(ctx::header);
        ErrorResponses.write(ctx, e.status(), e.getMessage(), e.type(), e.code());
    }

    /** Client-controlled text for logs and audit: control characters replaced, length capped. */
    static String printable(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= MAX_LOGGED_CHARS ? clean : clean.substring(0, MAX_LOGGED_CHARS) + "...";
    }

    private static SecurityRejection reject(int status, String message, String type, String code, Map<String, String> headers) {
        return new SecurityRejection(status, message, type, code, headers);
    }

    /** A Host header naming localhost or a loopback literal, with or without a port; absent (HTTP/1.0) passes. */
    static boolean isLoopbackHost(String hostHeader) {
        if (hostHeader == null) {
            return true;
        }
        String host = hostHeader.trim();
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            host = close < 0 ? host : host.substring(0, close + 1);
        } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        if ("localhost".equals(host.toLowerCase(Locale.ROOT))) {
            return true;
        }
        try {
            return Cidr.parseAddress(host).isLoopbackAddress();
        } catch (IllegalArgumentException notLiteral) {
            return false;
        }
    }

    /** {@code --insecure-no-auth} is refused on anything but a loopback bind. */
    static void requireLoopback(String host) {
        requireLoopback(host, InetAddress::getAllByName);
    }

    interface HostResolver {
        InetAddress[] resolve(String host) throws java.net.UnknownHostException;
    }

    /**
     * {@code localhost} is checked by resolving it as Jetty will: a hosts file or resolver can point it at a routable
     * address. Other names are refused outright rather than trusted to keep resolving to loopback.
     */
    static void requireLoopback(String host, HostResolver resolver) {
        boolean loopback;
        if (host == null) {
            loopback = false; // Jetty binds all interfaces
        } else if ("localhost".equals(host.toLowerCase(Locale.ROOT))) {
            try {
                InetAddress[] addresses = resolver.resolve(host);
                loopback = addresses.length > 0 && java.util.Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
            } catch (java.net.UnknownHostException unresolvable) {
                loopback = false;
            }
        } else {
            try {
                loopback = Cidr.parseAddress(host).isLoopbackAddress();
            } catch (IllegalArgumentException notLiteral) {
                loopback = false;
            }
        }
        if (!loopback) {
            throw new IllegalStateException("--insecure-no-auth is only allowed on a loopback bind (127.0.0.1, ::1,"
                    + " localhost resolving to loopback only), not on "
                    + (host == null ? "all interfaces" : "'" + host + "'"));
        }
    }

}
