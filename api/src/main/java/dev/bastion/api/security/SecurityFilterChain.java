package dev.bastion.api.security;

import dev.bastion.api.ServerConfig;
import dev.bastion.security.ApiKeyService;
import dev.bastion.security.AuditEvent;
import dev.bastion.security.AuditLog;
import dev.bastion.security.Authorizer;
import dev.bastion.security.Cidr;
import dev.bastion.security.ClientAddressResolver;
import dev.bastion.security.CorsPolicy;
import dev.bastion.security.IpAllowlist;
import dev.bastion.security.Principal;
import dev.bastion.security.RequestIds;
import dev.bastion.security.Scope;
import dev.bastion.security.SlidingWindowRateLimiter;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one enforcement path every HTTP request goes through, in order: request id → IP allowlist → CORS →
 * authentication → rate limit → authorization; then the principal is available to handlers via
 * {@link #principal(Context)}. Also sets the Jetty limits (header size, idle timeout), body size, TLS and HSTS.
 * Usage: {@code Javalin.create(config -> { new SecurityFilterChain(securityConfig, keys, audit).install(config); ... })}
 * then {@code app.start()} (host and port come from {@link SecurityConfig}, or from the Javalin config if it has none).
 */
public final class SecurityFilterChain {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String REQUEST_ID_ATTRIBUTE = "bastion.requestId";
    public static final String PRINCIPAL_ATTRIBUTE = "bastion.principal";
    public static final String CLIENT_IP_ATTRIBUTE = "bastion.clientIp";
    public static final String MDC_REQUEST_ID = "requestId";
    public static final String MDC_USER = "user";
    private static final String HSTS = "max-age=31536000; includeSubDomains";
    private static final int MAX_LOGGED_CHARS = 256;
    private static final String UNAUTHENTICATED = "missing or invalid API key";
    private static final String AUDIT_UNAVAILABLE = "the audit log cannot be written";
    private static final Logger LOG = LoggerFactory.getLogger(SecurityFilterChain.class);

    private final SecurityConfig config;
    private final ApiKeyService keys;
    private final AuditLog audit;
    private final RoutePolicy routes;
    private final IpAllowlist allowlist;
    private final ClientAddressResolver addresses;
    private final CorsPolicy cors;
    private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter();

    public SecurityFilterChain(SecurityConfig config, ApiKeyService keys, AuditLog audit) {
        this(config, keys, audit, RoutePolicy.defaults());
    }

    /** Validates the whole configuration up front, so a bad CIDR or origin fails at startup, naming the value. */
    public SecurityFilterChain(SecurityConfig config, ApiKeyService keys, AuditLog audit, RoutePolicy routes) {
        this.config = config;
        this.keys = keys;
        this.audit = audit;
        this.routes = routes;
        this.allowlist = IpAllowlist.parse(config.ipAllowlist());
        this.addresses = ClientAddressResolver.parse(config.trustedProxies());
        this.cors = config.corsOrigins().isEmpty() ? CorsPolicy.loopbackOnly() : CorsPolicy.of(config.corsOrigins());
        if (config.insecureNoAuth() && config.host() != null) {
            requireLoopback(config.host());
        } else if (!config.insecureNoAuth() && keys == null) {
            throw new IllegalArgumentException("an ApiKeyService is required unless --insecure-no-auth is set");
        }
    }

    /** The authenticated caller of this request (empty on open endpoints). */
    public static Optional<Principal> principal(Context ctx) {
        return Optional.ofNullable(ctx.attribute(PRINCIPAL_ATTRIBUTE));
    }

    public static String requestId(Context ctx) {
        return ctx.attribute(REQUEST_ID_ATTRIBUTE);
    }

    /**
     * Puts a server behind this chain, as {@code bastion serve} runs it: its filters and body limit, the caller as
     * owner of the models it stores, the ownership rules for seeing and changing models (unowned models are shared;
     * the local operator of {@code --insecure-no-auth} sees all and stores shared models), and model operations in
     * the audit log.
     */
    public ServerConfig secure(ServerConfig server) {
        return server.withMaxBodyBytes(config.maxBodyBytes())
                .withExtension(this::install)
                .withOwnerResolver(ctx -> principal(ctx).filter(p -> p != Principal.LOCAL_OPERATOR)
                        .map(Principal::userName).orElse(null))
                // Every model route runs after authentication; a request without a principal sees and changes nothing.
                .withModifyPolicy((ctx, owner) -> principal(ctx).map(p -> Authorizer.canModify(p, owner)).orElse(false))
                .withVisibilityPolicy((ctx, owner) -> principal(ctx).map(p -> Authorizer.canSeeModel(p, owner)).orElse(false))
                .withModelAudit((ctx, action, model, outcome, details) ->
                        record(ctx, principal(ctx).orElse(null), action, model, outcome, details));
    }

    /** Applies connectors, limits, filters and error mapping to a Javalin config. */
    public void install(JavalinConfig javalin) {
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
        javalin.jetty.modifyHttpConfiguration(http -> {
            http.setRequestHeaderSize(config.maxHeaderBytes());
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
        });
        javalin.jetty.modifyServer(SecurityFilterChain::hideErrorDetail);
        // Host and port are read when Jetty builds the connector, after the server has finished configuring.
        javalin.jetty.addConnector((server, http) -> connector(server, http, javalin.jetty.host, javalin.jetty.port));
        javalin.routes.before(this::enforce);
        javalin.routes.after(ctx -> {
            MDC.remove(MDC_REQUEST_ID);
            MDC.remove(MDC_USER);
        });
        javalin.routes.exception(SecurityRejection.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            ErrorResponses.write(ctx, e.status(), e.getMessage(), e.type(), e.code());
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

    private void enforce(Context ctx) {
        // 1. request id: header, attribute, log context
        String requestId = RequestIds.resolve(ctx.header(REQUEST_ID_HEADER));
        ctx.attribute(REQUEST_ID_ATTRIBUTE, requestId);
        ctx.header(REQUEST_ID_HEADER, requestId);
        ctx.header("X-Content-Type-Options", "nosniff");
        if (config.tlsEnabled()) {
            ctx.header("Strict-Transport-Security", HSTS);
        }
        MDC.put(MDC_REQUEST_ID, requestId);
        MDC.remove(MDC_USER);

        // 2. IP allowlist, on the real client address
        InetAddress client = addresses.resolve(ctx.req().getRemoteAddr(),
                Collections.list(ctx.req().getHeaders("X-Forwarded-For")));
        String clientIp = client.getHostAddress();
        ctx.attribute(CLIENT_IP_ATTRIBUTE, clientIp);
        if (!allowlist.allows(client)) {
            // Recording is throttled per client so a denied flood cannot fill the disk with audit records.
            if (limiter.tryAcquire("denied:" + ClientAddressResolver.rateLimitKey(client), config.rateLimits().perIp(),
                    config.rateLimits().window()).allowed()) {
                recordRefusal(ctx, null, "ip.denied", ctx.path(), Map.of("ip", clientIp));
            }
            throw reject(403, "forbidden", "permission_error", "ip_not_allowed", Map.of());
        }

        // Without authentication, a web page whose name was re-resolved to 127.0.0.1 (DNS rebinding) could read the
        // API with same-origin requests that carry no Origin header; its foreign Host header gives it away.
        if (config.insecureNoAuth() && !isLoopbackHost(ctx.header("Host"))) {
            throw reject(403, "forbidden: Host must name a loopback address without authentication",
                    "permission_error", "host_not_allowed", Map.of());
        }

        // 3. CORS
        String origin = ctx.header("Origin");
        String preflightMethod = ctx.header("Access-Control-Request-Method");
        if ("OPTIONS".equals(ctx.method().name()) && origin != null && preflightMethod != null) {
            Map<String, String> headers = cors.preflightHeaders(origin, preflightMethod);
            if (headers.isEmpty()) {
                throw reject(403, "origin not allowed", "permission_error", "cors_origin_not_allowed", Map.of());
            }
            headers.forEach(ctx::header);
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return;
        }
        if (origin != null) {
            if (!cors.allows(origin)) {
                throw reject(403, "origin not allowed", "permission_error", "cors_origin_not_allowed", Map.of());
            }
            cors.responseHeaders(origin).forEach(ctx::header);
        }

        // body size, checked before anything reads the body
        if (ctx.contentLength() > config.maxBodyBytes()) {
            throw reject(413, "request body too large", "invalid_request_error", "body_too_large", Map.of());
        }

        // 4. authentication
        Optional<Scope> required = routes.requiredScope(ctx.method().name(), ctx.path());
        Principal principal = null;
        if (config.insecureNoAuth()) {
            principal = Principal.LOCAL_OPERATOR;
        } else if (required.isPresent()) {
            principal = authenticate(ctx, client);
        }

        // 5. rate limits: per IP always, per key when authenticated. Before authorization, so that denied requests
        // count too and a key cannot flood the audit log with scope denials.
        limit("ip:" + ClientAddressResolver.rateLimitKey(client), config.rateLimits().perIp());
        if (principal != null && principal.keyPrefix() != null) {
            limit("key:" + principal.keyPrefix(), config.rateLimits().perKey(principal.role()));
        }

        // 6. authorization
        if (required.isPresent() && !principal.has(required.get())) {
            recordRefusal(ctx, principal, "authz.denied", ctx.method().name() + " " + ctx.path(),
                    Map.of("required_scope", required.get().id(), "ip", clientIp));
            throw reject(403, "this API key lacks the scope " + required.get().id(), "permission_error",
                    "insufficient_scope", Map.of());
        }

        // 7. a change is refused up front if its audit record could not be written (reads need no record)
        if (required.isPresent() && required.get() != Scope.MODELS_USE && !isRead(ctx)) {
            requireWritableAudit();
        }

        // 8. hand over the principal
        if (principal != null) {
            ctx.attribute(PRINCIPAL_ATTRIBUTE, principal);
            MDC.put(MDC_USER, principal.userName());
        }
    }

    private Principal authenticate(Context ctx, InetAddress client) {
        String clientIp = client.getHostAddress();
        String authorization = ctx.header("Authorization");
        Optional<Principal> principal = Optional.empty();
        String token = null;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = authorization.substring(7).trim();
            principal = keys.authenticate(token);
        }
        if (principal.isEmpty()) {
            Map<String, String> details = new java.util.TreeMap<>();
            details.put("ip", clientIp);
            details.put("reason", authorization == null ? "missing" : "invalid");
            ApiKeyService.prefixOf(token).ifPresent(prefix -> details.put("key_prefix", prefix));
            // Failed attempts count against the client IP, before recording, so a flood of bad keys is throttled
            // and cannot fill the disk with audit records.
            limit("authfail:" + ClientAddressResolver.rateLimitKey(client), config.rateLimits().perIp());
            recordRefusal(ctx, null, "auth.failure", ctx.method().name() + " " + ctx.path(), details);
            throw reject(401, UNAUTHENTICATED, "invalid_request_error", "invalid_api_key",
                    Map.of("WWW-Authenticate", "Bearer realm=\"bastion\""));
        }
        return principal.get();
    }

    /** Reads change nothing, so they need no audit record. */
    private static boolean isRead(Context ctx) {
        String method = ctx.method().name();
        return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
    }

    private void requireWritableAudit() {
        if (audit == null) {
            return;
        }
        try {
            audit.ensureWritable();
        } catch (AuditLog.AuditUnavailableException e) {
            LOG.error("refusing a change: {}", e.getMessage());
            throw reject(503, AUDIT_UNAVAILABLE + "; nothing was changed", "server_error", "audit_unavailable", Map.of());
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

    private void limit(String key, int limit) {
        SlidingWindowRateLimiter.Decision decision = limiter.tryAcquire(key, limit, config.rateLimits().window());
        if (!decision.allowed()) {
            throw reject(429, "rate limit exceeded, retry later", "rate_limit_error", "rate_limit_exceeded",
                    Map.of("Retry-After", Long.toString(decision.retryAfterSeconds())));
        }
    }

    private void record(Context ctx, Principal actor, String action, String target, String outcome,
                        Map<String, String> details) {
        if (audit != null) {
            audit.append(new AuditEvent(requestId(ctx), actor == null ? null : actor.userName(), action,
                    printable(target), outcome, details));
        }
    }

    /** Client-controlled text for logs and audit: control characters replaced, length capped. */
    static String printable(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= MAX_LOGGED_CHARS ? clean : clean.substring(0, MAX_LOGGED_CHARS) + "...";
    }

    private static SecurityRejection reject(int status, String message, String type, String code, Map<String, String> headers) {
        return new SecurityRejection(status, message, type, code, headers);
    }

    private ServerConnector connector(Server server, HttpConfiguration http, String host, int port) {
        if (config.insecureNoAuth()) {
            requireLoopback(host);
        }
        ServerConnector connector;
        if (config.tlsEnabled()) {
            HttpConfiguration https = new HttpConfiguration(http);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // Clients commonly connect by IP to a certificate issued for a name; hostname checks are the client's job.
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            char[] password = randomPassword();
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(PemKeyStore.load(config.tlsCert(), config.tlsKey(), password));
            ssl.setKeyStorePassword(new String(password));
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        return connector;
    }

    /** Jetty's own error pages (bad request line, header too large) must not show stacks or messages. */
    private static void hideErrorDetail(Server server) {
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowMessageInTitle(false);
        errors.setShowCauses(false);
        // Protocol-level rejections (malformed request line or headers) never reach Javalin: answer them in JSON too.
        errors.setDefaultResponseMimeType("application/json");
        server.setErrorHandler(errors);
    }

    private static char[] randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes).toCharArray();
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
