package dev.bastion.cli;

import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Security flags for {@code bastion serve}, as a picocli mixin: {@code @Mixin SecurityOptions security;} then
 * {@code security.toConfig()}. The bind itself stays with the server's {@code --host}.
 */
public final class SecurityOptions {

    @Option(names = "--insecure-no-auth", description = "Disable authentication (loopback binds only; logs a warning).")
    boolean insecureNoAuth;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS certificate chain (PEM); requires --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS private key (unencrypted PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--allow-ip", paramLabel = "CIDR", split = ",", description = "Client networks allowed (default: all).")
    List<String> allowIps = new ArrayList<>();

    @Option(names = "--trusted-proxy", paramLabel = "CIDR", split = ",",
            description = "Reverse proxies whose X-Forwarded-For is believed.")
    List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", split = ",",
            description = "Browser origins allowed: exact origins, scheme://* for app schemes (vscode-webview://*, app://*) "
                    + "or scheme://*.domain (default: http://localhost, 127.0.0.1 and [::1] on any port).")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "600",
            description = "Requests per minute per user key (admins get twice this, each client IP the same as admins).")
    int rateLimit;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "67108864", description = "Largest request body.")
    long maxBodyBytes;

    @Option(names = "--header-timeout", paramLabel = "SECONDS",
            description = "Time a client has to send a request's headers, however slowly it trickles them"
                    + " (default: BASTION_HEADER_TIMEOUT, else 10).")
    Integer headerTimeoutSeconds;

    @Option(names = "--max-connections-per-ip", paramLabel = "N",
            description = "Connections one client address may hold open (default: BASTION_MAX_CONNECTIONS_PER_IP, else 64).")
    Integer maxConnectionsPerIp;

    /** The flags alone, over the defaults. */
    public SecurityConfig toConfig() {
        return toConfig(Map.of());
    }

    /** The flags, else the environment's {@code BASTION_HEADER_TIMEOUT} and {@code BASTION_MAX_CONNECTIONS_PER_IP}. */
    public SecurityConfig toConfig(Map<String, String> env) {
        SecurityConfig defaults = SecurityConfig.defaults();
        int headerSeconds = flagOrEnv(headerTimeoutSeconds, env, "BASTION_HEADER_TIMEOUT",
                (int) defaults.headerDeadline().toSeconds());
        int perIp = flagOrEnv(maxConnectionsPerIp, env, "BASTION_MAX_CONNECTIONS_PER_IP", defaults.maxConnectionsPerAddress());
        return defaults
                .withNetwork(allowIps, trustedProxies, corsOrigins)
                .withRateLimits(new RateLimits(rateLimit, 2 * rateLimit, 2 * rateLimit, Duration.ofMinutes(1)))
                .withLimits(maxBodyBytes, defaults.maxHeaderBytes(), defaults.idleTimeout())
                .withInsecureNoAuth(insecureNoAuth)
                .withTls(tlsCert, tlsKey)
                .withConnectionLimits(Duration.ofSeconds(headerSeconds), perIp);
    }

    private static int flagOrEnv(Integer flag, Map<String, String> env, String variable, int fallback) {
        if (flag != null) {
            return flag;
        }
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " must be a whole number, got '" + value + "'");
        }
    }
}
