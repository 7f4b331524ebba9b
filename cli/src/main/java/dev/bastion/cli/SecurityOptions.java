package dev.bastion.cli;

import dev.bastion.api.security.RateLimits;
import dev.bastion.api.security.SecurityConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
            description = "Browser origins allowed (default: http://localhost, 127.0.0.1 and [::1] on any port).")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "600",
            description = "Requests per minute per user key (admins get twice this, each client IP the same as admins).")
    int rateLimit;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "67108864", description = "Largest request body.")
    long maxBodyBytes;

    public SecurityConfig toConfig() {
        SecurityConfig defaults = SecurityConfig.defaults();
        return defaults
                .withNetwork(allowIps, trustedProxies, corsOrigins)
                .withRateLimits(new RateLimits(rateLimit, 2 * rateLimit, 2 * rateLimit, Duration.ofMinutes(1)))
                .withLimits(maxBodyBytes, defaults.maxHeaderBytes(), defaults.idleTimeout())
                .withInsecureNoAuth(insecureNoAuth)
                .withTls(tlsCert, tlsKey);
    }
}
