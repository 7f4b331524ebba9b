package dev.bastion.cli;

import dev.bastion.api.security.SecurityConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityOptionsTest {

    @Command(name = "serve")
    static final class Serve {
        @Mixin
        SecurityOptions security;
    }

    private SecurityConfig parse(String... args) {
        Serve serve = new Serve();
        new CommandLine(serve).parseArgs(args);
        return serve.security.toConfig();
    }

    @Test
    void defaultsAreSecure() {
        SecurityConfig config = parse();
        assertThat(config.insecureNoAuth()).isFalse();
        assertThat(config.tlsEnabled()).isFalse();
        assertThat(config.ipAllowlist()).isEmpty();
        assertThat(config.rateLimits().perKeyUser()).isEqualTo(600);
    }

    @Test
    void connectionLimitsComeFromFlagsElseTheEnvironment() {
        SecurityConfig defaults = parse();
        assertThat(defaults.headerDeadline()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(defaults.maxConnectionsPerAddress()).isEqualTo(64);
        java.util.Map<String, String> env = java.util.Map.of("BASTION_HEADER_TIMEOUT", "5", "BASTION_MAX_CONNECTIONS_PER_IP", "8");
        Serve serve = new Serve();
        new CommandLine(serve).parseArgs();
        assertThat(serve.security.toConfig(env).headerDeadline()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(serve.security.toConfig(env).maxConnectionsPerAddress()).isEqualTo(8);
        new CommandLine(serve).parseArgs("--header-timeout", "3", "--max-connections-per-ip", "2");
        assertThat(serve.security.toConfig(env).headerDeadline()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(serve.security.toConfig(env).maxConnectionsPerAddress()).isEqualTo(2);
        Serve plain = new Serve();
        new CommandLine(plain).parseArgs();
        assertThatThrownBy(() -> plain.security.toConfig(java.util.Map.of("BASTION_HEADER_TIMEOUT", "ten")))
                .hasMessageContaining("BASTION_HEADER_TIMEOUT");
        assertThatThrownBy(() -> parse("--max-connections-per-ip", "0")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> parse("--header-timeout", "0")).hasMessageContaining("header timeout");
    }

    @Test
    void flagsMapOntoTheConfig() {
        SecurityConfig config = parse("--insecure-no-auth", "--allow-ip", "10.0.0.0/8,127.0.0.1", "--trusted-proxy", "10.0.0.1",
                "--cors-origin", "https://app.example", "--rate-limit", "60", "--max-body", "1024",
                "--tls-cert", "c.pem", "--tls-key", "k.pem");
        assertThat(config.insecureNoAuth()).isTrue();
        assertThat(config.ipAllowlist()).containsExactly("10.0.0.0/8", "127.0.0.1");
        assertThat(config.trustedProxies()).containsExactly("10.0.0.1");
        assertThat(config.corsOrigins()).containsExactly("https://app.example");
        assertThat(config.rateLimits().perKeyUser()).isEqualTo(60);
        assertThat(config.rateLimits().perKeyAdmin()).isEqualTo(120);
        assertThat(config.maxBodyBytes()).isEqualTo(1024);
        assertThat(config.tlsCert()).isEqualTo(Path.of("c.pem"));
        assertThat(config.host()).as("bind stays with the server").isNull();
    }

    @Test
    void certWithoutKeyIsRefused() {
        assertThatThrownBy(() -> parse("--tls-cert", "c.pem")).hasMessageContaining("--tls-key");
        assertThatThrownBy(() -> parse("--rate-limit", "-1")).hasMessageContaining("-1");
    }

}
