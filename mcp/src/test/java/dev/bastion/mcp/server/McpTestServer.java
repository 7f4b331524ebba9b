package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ModelCatalog;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real server as {@code bastion serve} runs it (security chain, API keys, audit) with the MCP module over test
 * sources, no models; users alice and bob (role user) and root (admin), each with a tools:use key.
 */
final class McpTestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final SecurityServices security;
    final McpGateway gateway;
    final BastionServer server;
    final HttpClient http = HttpClient.newHttpClient();
    final String aliceKey;
    final String bobKey;
    final String rootKey;
    /** alice's key without tools:use. */
    final String aliceModelsOnlyKey;

    McpTestServer(Path home, List<ToolSource> sources, GatewaySettings settings) {
        McpScopes.define();
        security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        security.users().create("bob", Role.USER);
        security.users().create("root", Role.ADMIN);
        aliceKey = key("alice", Scope.MODELS_USE, McpScopes.TOOLS_USE);
        bobKey = key("bob", McpScopes.TOOLS_USE);
        rootKey = key("root", Scope.ADMIN, McpScopes.TOOLS_USE);
        aliceModelsOnlyKey = key("alice", Scope.MODELS_USE);
        gateway = McpGateways.create(security, sources, settings);
        BindAddress bind = new BindAddress("127.0.0.1", 0);
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults().withBind(bind.host(), bind.port()),
                security.keys(), security.audit());
        ServerConfig config = chain.secure(ServerConfig.defaults(bind)).withModule(new McpServerModule(security, gateway, "test"));
        server = new BastionServer(config, new EmptyCatalog(), (dir, format) -> {
            throw new UnsupportedOperationException("no models here");
        }).start();
    }

    private String key(String user, Scope... scopes) {
        return security.keys().create(user, Set.of(scopes), null, null).secret();
    }

    String url() {
        return server.baseUrl() + "/mcp";
    }

    /** A POST to /mcp with the headers an MCP client sends (and any extra name/value pairs). */
    HttpResponse<String> post(String key, String sessionId, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url())).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) request.header("Authorization", "Bearer " + key);
        if (sessionId != null) request.header("Mcp-Session-Id", sessionId);
        if (headers.length > 0) request.headers(headers);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Initializes a session as the key's user; returns the session id. */
    String initialize(String key) throws Exception {
        HttpResponse<String> response = post(key, null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
                 "capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""");
        if (response.statusCode() != 200) throw new AssertionError("initialize: " + response.statusCode() + " " + response.body());
        String session = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(key, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }

    /** Sends a request in the session and returns the JSON-RPC messages of its SSE answer, the response last. */
    List<JsonNode> request(String key, String session, String method, String params, int id) throws Exception {
        HttpResponse<String> response = post(key, session, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method
                + "\",\"params\":" + params + "}");
        if (response.statusCode() != 200) throw new AssertionError(method + ": " + response.statusCode() + " " + response.body());
        return events(response.body());
    }

    static List<JsonNode> events(String sse) throws Exception {
        List<JsonNode> messages = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ")) messages.add(JSON.readTree(line.substring(6)));
        }
        return messages;
    }

    @Override
    public void close() {
        server.close();
        http.close();
    }

    private static final class EmptyCatalog implements ModelCatalog {
        @Override
        public List<ModelSummary> list() {
            return List.of();
        }

        @Override
        public ModelDetails show(String name) {
            throw new IllegalArgumentException("no model");
        }

        @Override
        public Path materialize(String name) {
            throw new IllegalArgumentException("no model");
        }

        @Override
        public WeightFormat weightFormat(String name) {
            throw new IllegalArgumentException("no model");
        }

        @Override
        public void copy(String source, String destination, String owner) {
            throw new IllegalArgumentException("no model");
        }

        @Override
        public void delete(String name, String owner) {
            throw new IllegalArgumentException("no model");
        }

        @Override
        public void create(CreateRequest request, String owner) {
            throw new IllegalArgumentException("no model");
        }
    }
}
