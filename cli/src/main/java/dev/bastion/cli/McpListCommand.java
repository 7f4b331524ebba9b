package dev.bastion.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.upstream.UpstreamRegistry;
import dev.bastion.mcp.upstream.UpstreamView;
import dev.bastion.security.SecurityServices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code bastion mcp list}: the registered upstreams. State, tool count and last error live in the server, so with
 * {@code --server URL} (and an admin key from {@code BASTION_API_KEY} or {@code --key-file}) they are read from its
 * {@code GET /api/mcp/upstreams}; without it the registry alone is shown, state {@code registered} or {@code disabled}.
 * Secret values are never shown, only the names of secret env vars and headers.
 */
@Command(name = "list", description = "List upstream MCP servers (live state with --server).")
final class McpListCommand extends SecurityCommand {

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String FORMAT = "%-20s %-6s %-11s %5s  %-40s  %-24s %s%n";

    @Option(names = "--server", paramLabel = "URL", description = "A running server to ask for live state, e.g. http://127.0.0.1:11434.")
    String server;

    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding an admin API key (default: $BASTION_API_KEY).")
    Path keyFile;

    @Override
    int run() {
        List<UpstreamView> views = server != null ? live() : registered();
        out().printf(FORMAT, "NAME", "KIND", "STATE", "TOOLS", "TARGET", "SETTINGS (names only)", "LAST ERROR");
        for (UpstreamView view : views) {
            String target = view.url() != null ? view.url() : String.join(" ", view.command());
            String settings = String.join(",", view.kind().equals("http") ? view.headerNames() : view.envNames());
            out().printf(FORMAT, view.name(), view.kind(), view.state(), server != null ? view.toolCount() : "-",
                    target, settings.isEmpty() ? "-" : settings, view.lastError() == null ? "" : view.lastError());
        }
        return 0;
    }

    private List<UpstreamView> registered() {
        SecurityServices services = home.openSecurity();
        return new UpstreamRegistry(services.database(), services.secrets()).list().stream()
                .map(UpstreamView::registered)
                .toList();
    }

    private List<UpstreamView> live() {
        String key = apiKey();
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.replaceAll("/+$", "") + "/api/mcp/upstreams"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + key).GET().build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the server answered " + response.statusCode() + " (an admin key is needed)");
            }
            return JSON.readValue(response.body(), new TypeReference<>() { });
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + server + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private String apiKey() {
        try {
            String key = keyFile != null ? Files.readString(keyFile).strip() : home.environment.getOrDefault("BASTION_API_KEY", "").strip();
            if (key.isEmpty()) throw new IllegalArgumentException("--server needs an admin key: set BASTION_API_KEY or give --key-file");
            return key;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the key file");
        }
    }
}
