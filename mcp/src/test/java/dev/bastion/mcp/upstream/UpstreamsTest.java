package dev.bastion.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolSources;
import dev.bastion.mcp.ToolSpec;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.bastion.mcp.upstream.UpstreamSourceTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manager and its admin API on a real server with the real security chain. */
@Timeout(180)
class UpstreamsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path home;
    SecurityServices security;
    ToolSources sources;
    Upstreams upstreams;
    BastionServer server;

    @BeforeAll
    static void peers() throws Exception {
        NodePeers.install();
    }

    @BeforeEach
    void open() {
        security = SecurityServices.open(home, Map.of());
        sources = new ToolSources();
        upstreams = new Upstreams(new UpstreamRegistry(security.database(), security.secrets()), sources, UpstreamSourceTest.FAST);
    }

    @AfterEach
    void close() {
        if (server != null) server.close();
        upstreams.close();
        sources.close();
    }

    @Test
    void addedUpstreamsJoinTheGatewayLiveAndLeaveOnRemove() throws Exception {
        upstreams.add(UpstreamConfig.stdio("peer", NodePeers.misbehaving(), Map.of(), Map.of(), "admin"));

        ToolSource peer = sources.find("peer").orElseThrow();
        await(() -> !peer.tools().isEmpty(), "peer tools");
        assertThat(peer.tools()).extracting(ToolSpec::name).contains("echo");
        long pid = upstreams.running("peer").orElseThrow().pid();

        assertThat(upstreams.remove("peer")).isTrue();
        assertThat(sources.find("peer")).isEmpty();
        assertThat(upstreams.registry().find("peer")).isEmpty();
        await(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the process stopped");
        assertThat(upstreams.remove("peer")).isFalse();
    }

    @Test
    void registryChangesFromTheCliArePickedUpAndStartAndCloseFollowTheServer() throws Exception {
        upstreams.registry().add(UpstreamConfig.stdio("peer", NodePeers.misbehaving(), Map.of(), Map.of(), "cli:root"));
        upstreams.registry().add(UpstreamConfig.stdio("off", NodePeers.misbehaving(), Map.of(), Map.of(), "cli:root").withEnabled(false));
        upstreams.start();
        assertThat(sources.find("peer")).isPresent();
        assertThat(sources.find("off")).as("disabled upstreams are not started").isEmpty();

        upstreams.registry().remove("peer");
        upstreams.sync();
        assertThat(sources.find("peer")).isEmpty();

        upstreams.registry().add(UpstreamConfig.stdio("again", NodePeers.misbehaving(), Map.of(), Map.of(), "cli:root"));
        upstreams.sync();
        UpstreamSource first = upstreams.running("again").orElseThrow();
        upstreams.sync();
        assertThat(upstreams.running("again")).as("unchanged settings: left running").containsSame(first);
        upstreams.registry().remove("again");
        upstreams.registry().add(UpstreamConfig.stdio("again", NodePeers.misbehaving(), Map.of("MODE", "2"), Map.of(), "cli:root"));
        upstreams.sync();
        UpstreamSource again = upstreams.running("again").orElseThrow();
        assertThat(again).as("re-added with new settings: restarted").isNotSameAs(first);
        assertThat(again.config().env()).containsEntry("MODE", "2");
        await(() -> again.status().state() == UpstreamSource.State.READY, "ready");
        long pid = again.pid();
        upstreams.close();
        assertThat(sources.all()).isEmpty();
        await(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the process stopped on close");
    }

    @Test
    void anUpstreamCannotTakeANamespaceInUse() {
        sources.register(new ToolSource() {
            public String namespace() {
                return "github";
            }

            public List<ToolSpec> tools() {
                return List.of();
            }

            public ToolResult call(dev.bastion.mcp.ToolInvocation invocation) {
                return ToolResult.text("built in");
            }
        });

        assertThatThrownBy(() -> upstreams.add(UpstreamConfig.stdio("github", NodePeers.misbehaving(), Map.of(), Map.of(), "admin")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(upstreams.registry().find("github")).isEmpty();
    }

    @Test
    void adminApiAddsListsAndRemovesAuditedAndOnlyForAdmins(@TempDir Path models) throws Exception {
        security.users().create("root", Role.ADMIN);
        security.users().create("alice", Role.USER);
        String admin = security.keys().create("root", Set.of(Scope.ADMIN, Scope.MODELS_USE), null, "admin").secret();
        String user = security.keys().create("alice", Set.of(Scope.MODELS_USE), null, "user").secret();
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)))
                .withModule(new UpstreamRoutes(upstreams, security.audit())),
                new StoreCatalog(new ModelStore(models)), (dir, format) -> {
                    throw new UnsupportedOperationException("no models here");
                }).start();

        String body = JSON.writeValueAsString(Map.of("name", "peer", "command", NodePeers.misbehaving(),
                "secret_env", Map.of("API_TOKEN", UpstreamRegistryTest.ENV_SECRET)));
        assertThat(send("POST", "/api/mcp/upstreams", body, user).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/mcp/upstreams", null, user).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/mcp/upstreams", null, null).statusCode()).isEqualTo(401);

        HttpResponse<String> created = send("POST", "/api/mcp/upstreams", body, admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("API_TOKEN").doesNotContain(UpstreamRegistryTest.ENV_SECRET);
        await(() -> sources.find("peer").map(s -> !s.tools().isEmpty()).orElse(false), "peer ready");

        JsonNode listed = JSON.readTree(send("GET", "/api/mcp/upstreams", null, admin).body());
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("state").asText()).isEqualTo("ready");
        assertThat(listed.get(0).path("toolCount").asInt()).isEqualTo(5);
        assertThat(listed.get(0).path("lastError").asText()).contains("skipped 2");
        assertThat(listed.toString()).doesNotContain(UpstreamRegistryTest.ENV_SECRET);

        HttpResponse<String> reserved = send("POST", "/api/mcp/upstreams",
                "{\"name\":\"files\",\"command\":[\"node\"]}", admin);
        assertThat(reserved.statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/mcp/upstreams", "{\"name\":\"x\",\"command\":\"node -e 1\"}", admin).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/mcp/upstreams", "[1]", admin).statusCode()).isEqualTo(400);

        assertThat(send("DELETE", "/api/mcp/upstreams/peer", null, user).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", "/api/mcp/upstreams/peer", null, admin).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/api/mcp/upstreams/peer", null, admin).statusCode()).isEqualTo(404);
        assertThat(sources.find("peer")).isEmpty();

        String log = Files.readString(security.audit().file());
        assertThat(log).contains("\"mcp.upstream.add\"").contains("\"mcp.upstream.remove\"").contains("\"failure\"")
                .doesNotContain(UpstreamRegistryTest.ENV_SECRET);
    }

    private HttpResponse<String> send(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) request.header("Authorization", "Bearer " + key);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
