package dev.bastion.mcp.upstream;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An upstream as {@code bastion mcp list} and {@code GET /api/mcp/upstreams} show it: settings with the secret
 * values left out (only the names of secret env vars and headers), and the live state when it runs.
 *
 * @param createdAt an ISO-8601 instant
 * @param state starting, ready, failed or stopped
 * @param toolCount tools offered now (0 unless ready)
 */
public record UpstreamView(String name, String kind, List<String> command, String url, Set<String> envNames,
                           Set<String> headerNames, boolean enabled, String createdBy, String createdAt, String state,
                           int toolCount, String lastError, int restarts) {

    /** As the registry alone knows it (no server asked): state {@code registered} or {@code disabled}. */
    public static UpstreamView registered(UpstreamConfig config) {
        UpstreamView v = of(config, Optional.empty());
        return new UpstreamView(v.name, v.kind, v.command, v.url, v.envNames, v.headerNames, v.enabled, v.createdBy,
                v.createdAt, v.enabled ? "registered" : "disabled", 0, null, 0);
    }

    static UpstreamView of(UpstreamConfig config, Optional<UpstreamSource.Status> status) {
        Set<String> env = new TreeSet<>(config.env().keySet());
        env.addAll(config.secretEnv().keySet());
        Set<String> headers = new TreeSet<>(config.headers().keySet());
        headers.addAll(config.secretHeaders().keySet());
        return new UpstreamView(config.name(), config.kind().id(), config.command(), config.url(), env, headers,
                config.enabled(), config.createdBy(), config.createdAt().toString(),
                status.map(s -> s.state().name().toLowerCase(java.util.Locale.ROOT)).orElse("stopped"),
                status.map(UpstreamSource.Status::toolCount).orElse(0),
                status.map(UpstreamSource.Status::lastError).orElse(null),
                status.map(UpstreamSource.Status::restarts).orElse(0));
    }
}
