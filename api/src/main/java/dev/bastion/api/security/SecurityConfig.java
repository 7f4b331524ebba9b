package dev.bastion.api.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the HTTP security layer needs, applied in one go by {@link SecurityFilterChain#install}.
 *
 * @param host           bind address (must be loopback when {@code insecureNoAuth}); null = keep the host and port
 *                       already set on the Javalin config ({@code config.jetty.host/port}) by the server
 * @param port           bind port (0 = ephemeral), used only with a non-null host
 * @param ipAllowlist    client CIDRs allowed in; empty = everyone
 * @param trustedProxies peers whose {@code X-Forwarded-For} is believed
 * @param corsOrigins    browser origins allowed; empty = loopback origins only
 * @param tlsCert        PEM certificate chain, or null for plain HTTP
 * @param tlsKey         PEM PKCS#8 private key, or null
 * @param headerDeadline time a client has to send a request's headers, however it trickles them
 * @param maxConnectionsPerAddress connections one client address may hold open at once
 */
public record SecurityConfig(String host, int port, List<String> ipAllowlist, List<String> trustedProxies,
                             List<String> corsOrigins, RateLimits rateLimits, long maxBodyBytes, int maxHeaderBytes,
                             Duration idleTimeout, boolean insecureNoAuth, Path tlsCert, Path tlsKey,
                             Duration headerDeadline, int maxConnectionsPerAddress) {


    public SecurityConfig {
        ipAllowlist = List.copyOf(ipAllowlist);
        trustedProxies = List.copyOf(trustedProxies);
        corsOrigins = List.copyOf(corsOrigins);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key must be given together");
        }
        if (maxBodyBytes <= 0 || maxHeaderBytes <= 0) {
            throw new IllegalArgumentException("body and header limits must be positive, got body=" + maxBodyBytes
                    + " header=" + maxHeaderBytes);
        }
        if (headerDeadline == null || headerDeadline.isZero() || headerDeadline.isNegative()) {
            throw new IllegalArgumentException("the header timeout must be positive, got " + headerDeadline);
        }
        if (maxConnectionsPerAddress < 1) {
            throw new IllegalArgumentException("connections per address must be at least 1, got " + maxConnectionsPerAddress);
        }
    }

    /**
     * The server's own bind, no allowlist, 64 MiB bodies, 16 KiB headers, 30 s idle timeout, auth on, no TLS, 10 s to
     * send headers, 64 connections per client address.
     */
    public static SecurityConfig defaults() {
        return new SecurityConfig(null, 0, List.of(), List.of(), List.of(), RateLimits.defaults(),
                64L * 1024 * 1024, 16 * 1024, Duration.ofSeconds(30), false, null, null, Duration.ofSeconds(10), 64);
    }

    public boolean tlsEnabled() {
        return tlsCert != null;
    }

    public SecurityConfig withBind(String newHost, int newPort) {
        return new SecurityConfig(newHost, newPort, ipAllowlist, trustedProxies, corsOrigins, rateLimits, maxBodyBytes,
                maxHeaderBytes, idleTimeout, insecureNoAuth, tlsCert, tlsKey, headerDeadline, maxConnectionsPerAddress);
    }

    public SecurityConfig withNetwork(List<String> newAllowlist, List<String> newTrustedProxies, List<String> newCorsOrigins) {
        return new SecurityConfig(host, port, newAllowlist, newTrustedProxies, newCorsOrigins, rateLimits, maxBodyBytes,
                maxHeaderBytes, idleTimeout, insecureNoAuth, tlsCert, tlsKey, headerDeadline, maxConnectionsPerAddress);
    }

    public SecurityConfig withRateLimits(RateLimits newLimits) {
        return new SecurityConfig(host, port, ipAllowlist, trustedProxies, corsOrigins, newLimits, maxBodyBytes,
                maxHeaderBytes, idleTimeout, insecureNoAuth, tlsCert, tlsKey, headerDeadline, maxConnectionsPerAddress);
    }

    public SecurityConfig withLimits(long newMaxBodyBytes, int newMaxHeaderBytes, Duration newIdleTimeout) {
        return new SecurityConfig(host, port, ipAllowlist, trustedProxies, corsOrigins, rateLimits, newMaxBodyBytes,
                newMaxHeaderBytes, newIdleTimeout, insecureNoAuth, tlsCert, tlsKey, headerDeadline, maxConnectionsPerAddress);
    }

    public SecurityConfig withInsecureNoAuth(boolean value) {
        return new SecurityConfig(host, port, ipAllowlist, trustedProxies, corsOrigins, rateLimits, maxBodyBytes,
                maxHeaderBytes, idleTimeout, value, tlsCert, tlsKey, headerDeadline, maxConnectionsPerAddress);
    }

    public SecurityConfig withTls(Path cert, Path key) {
        return new SecurityConfig(host, port, ipAllowlist, trustedProxies, corsOrigins, rateLimits, maxBodyBytes,
                maxHeaderBytes, idleTimeout, insecureNoAuth, cert, key, headerDeadline, maxConnectionsPerAddress);
    }

    public SecurityConfig withConnectionLimits(Duration newHeaderDeadline, int newMaxConnectionsPerAddress) {
        return new SecurityConfig(host, port, ipAllowlist, trustedProxies, corsOrigins, rateLimits, maxBodyBytes,
                maxHeaderBytes, idleTimeout, insecureNoAuth, tlsCert, tlsKey, newHeaderDeadline, newMaxConnectionsPerAddress);
    }
}
