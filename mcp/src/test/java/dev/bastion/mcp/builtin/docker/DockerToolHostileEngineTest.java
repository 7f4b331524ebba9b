package dev.bastion.mcp.builtin.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ProgressSink;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolUser;
import dev.bastion.security.Role;
import dev.bastion.security.UserService;
import dev.bastion.security.db.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The docker tool against an engine that misbehaves ({@link FakeEngine}): errors that name host paths, answers too big
 * or not JSON, no answer at all; and what reaches the socket when a caller tries to smuggle paths or parameters.
 */
class DockerToolHostileEngineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    FakeEngine engine;
    DockerControlGrants grants;
    DockerTool tool;
    ToolUser user;

    @BeforeEach
    void start() throws Exception {
        engine = new FakeEngine(home);
        Database database = Database.openHome(home);
        var created = new UserService(database).create("carol", Role.USER);
        grants = new DockerControlGrants(database);
        grants.allow(created.id(), "test");
        user = new ToolUser(created.id(), created.name(), created.role(), home.resolve("workspaces/carol"));
        // Generous: the machine may be busy; only the hanging engine's test uses a short deadline.
        tool = DockerTool.open(engine.socket(), grants, Duration.ofSeconds(20));
    }

    @AfterEach
    void stop() throws Exception {
        tool.close();
        engine.close();
    }

    private ToolResult call(String name, JsonNode arguments, CancellationToken cancel) throws ToolException {
        return tool.call(new ToolInvocation(user, name, arguments, "req", ProgressSink.NONE, cancel));
    }

    private ToolResult call(String name, String argumentsJson) throws Exception {
        return call(name, JSON.readTree(argumentsJson), new CancellationToken());
    }

    private static List<String> names(ToolResult result) {
        return result.structuredContent().path("containers").findValuesAsText("name");
    }

    @Test
    void offUnlessTheSocketIsConfiguredAndThenOneNamespaceOfValidToolNames() {
        Database database = Database.openHome(home);
        assertThat(DockerTool.fromEnvironment(java.util.Map.of(), database)).isEmpty();
        try (DockerTool configured = DockerTool.fromEnvironment(
                java.util.Map.of(DockerSettings.ENV_SOCKET, "unix://" + engine.socket()), database).orElseThrow();
             dev.bastion.mcp.ToolSources sources = new dev.bastion.mcp.ToolSources()) {
            sources.register(configured);
            assertThat(sources.find("docker")).isPresent();
            assertThat(configured.tools(user)).hasSize(7).allSatisfy(spec -> {
                assertThat(dev.bastion.mcp.ToolNames.parse("docker__" + spec.name())).isPresent();
                assertThat(spec.inputSchema().path("type").asText()).isEqualTo("object");
            });
        }
    }

    @Test
    void hostileNamesNeverReachTheSocket() throws Exception {
        engine.answerJson(200, "{}");
        for (String hostile : List.of("../containers", "x?all=1", "%2e%2e", "web\n", "web\r\nHost: x", "..%2f", "a/b",
                "web#", ".")) {
            for (String name : List.of("inspect", "logs", "stats", "start", "stop", "restart")) {
                ObjectNode arguments = JSON.createObjectNode().put("container", hostile);
                assertThat(call(name, arguments, new CancellationToken()).isError()).isTrue();
            }
        }
        assertThat(engine.requests()).isEmpty();
    }

    @Test
    void aLabelFilterStaysOneQueryParameter() throws Exception {
        engine.answerJson(200, "[]");
        assertThat(call("list", "{\"label\": \"app=x&all=1#y\"}").isError()).isFalse();
        String requestLine = engine.requests().getFirst();
        assertThat(requestLine).startsWith("GET /containers/json?filters=").doesNotContain("&all=").doesNotContain("#");
        String query = requestLine.substring(requestLine.indexOf('?') + 1, requestLine.lastIndexOf(' '));
        assertThat(URLDecoder.decode(query, StandardCharsets.UTF_8)).isEqualTo("filters={\"label\":[\"app=x&all=1#y\"]}");
    }

    @Test
    void theEnginesErrorWordsStayInTheServerLog() throws Exception {
        engine.answerJson(500, "{\"message\": \"open /var/lib/docker/overlay2/abc/secret.env: permission denied\"}");
        ToolResult result = call("inspect", "{\"container\": \"web\"}");
        assertThat(result.isError()).isTrue();
        assertThat(result.joinedText()).isEqualTo("the Docker engine failed on container 'web' (HTTP 500; see its log)");
        engine.answerJson(409, "{\"message\": \"container /var/lib/x is paused\"}");
        assertThat(call("stop", "{\"container\": \"web\"}").joinedText())
                .isEqualTo("the state of container 'web' does not allow this now (not running, paused, restarting or being removed)");
        engine.answerJson(403, "{\"message\": \"authz plugin: denied by /etc/docker/policy\"}");
        assertThat(call("list", "{}").joinedText()).isEqualTo("the Docker engine denied access to the container list");
    }

    @Test
    void anOversizedAnswerIsRefusedUnread() {
        engine.answer(200, "application/json", new byte[DockerTool.MAX_JSON_BYTES + 1]);
        assertThatThrownBy(() -> call("list", "{}")).isInstanceOf(ToolException.class)
                .hasMessage("the Docker engine's answer is larger than " + DockerTool.MAX_JSON_BYTES + " bytes");
    }

    @Test
    void anAnswerThatIsNotJsonIsAnErrorForThatCall() throws Exception {
        engine.answer(200, "application/json", "<html>proxy error</html>".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> call("inspect", "{\"container\": \"web\"}")).isInstanceOf(ToolException.class)
                .hasMessage("the Docker engine's answer is not valid JSON");
        engine.answerJson(200, "{\"Id\": \"abc\"}");
        assertThatThrownBy(() -> call("list", "{}")).isInstanceOf(ToolException.class)
                .hasMessage("the Docker engine's container list is not a list");
        engine.answerJson(200, "[{\"Id\": \"abc\", \"Names\": [\"/web\"], \"State\": \"running\"}]");
        assertThat(names(call("list", "{}"))).containsExactly("web");
    }

    @Test
    void anEngineThatNeverAnswersTimesOut() {
        engine.answer(200, "", null);
        try (DockerTool impatient = DockerTool.open(engine.socket(), grants, Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> impatient.call(new ToolInvocation(user, "list", JSON.createObjectNode(), "req",
                    ProgressSink.NONE, new CancellationToken()))).isInstanceOf(ToolException.class)
                    .hasMessageStartingWith("the Docker engine did not answer");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aCancelledCallStopsWaiting() {
        engine.answer(200, "", null);
        CancellationToken cancel = new CancellationToken();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                return;
            }
            cancel.cancel();
        });
        DockerTool slow = DockerTool.open(engine.socket(), grants,
                Duration.ofSeconds(30));
        try (slow) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> slow.call(new ToolInvocation(user, "list", JSON.createObjectNode(), "req",
                    ProgressSink.NONE, cancel))).isInstanceOf(ToolException.class).hasMessage("cancelled");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void anAbsentSocketIsAToolErrorThatNamesNoPath() throws Exception {
        Path stale = home.resolve("stale.sock");
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(java.net.UnixDomainSocketAddress.of(stale)); // a socket file nobody listens on any more
        }
        for (Path socket : List.of(home.resolve("nowhere/docker.sock"), stale)) {
            try (DockerTool off = DockerTool.open(socket, grants)) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> off.call(new ToolInvocation(user, "list", JSON.createObjectNode(), "req",
                        ProgressSink.NONE, new CancellationToken())))
                        .isInstanceOf(ToolException.class)
                        .hasMessage("the Docker engine is not reachable");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            }
        }
    }

    @Test
    void statsAsDockerComputesThemFromARecordedAnswer() throws Exception {
        // Docker's stream=false answer carries the previous sample; the CPU share is the delta over the system's.
        engine.answerJson(200, """
                {"name": "/web", "id": "abc123", "read": "2026-01-01T00:00:01Z",
                 "cpu_stats": {"cpu_usage": {"total_usage": 300000000}, "system_cpu_usage": 20000000000, "online_cpus": 4},
                 "precpu_stats": {"cpu_usage": {"total_usage": 100000000}, "system_cpu_usage": 16000000000},
                 "memory_stats": {"usage": 60000000, "limit": 1000000000, "stats": {"inactive_file": 10000000}},
                 "pids_stats": {"current": 7},
                 "networks": {"eth0": {"rx_bytes": 100, "tx_bytes": 40}, "eth1": {"rx_bytes": 1, "tx_bytes": 2}},
                 "blkio_stats": {"io_service_bytes_recursive": [{"op": "read", "value": 4096}, {"op": "write", "value": 512},
                                                                {"op": "Read", "value": 4}]}}""");
        JsonNode stats = call("stats", "{\"container\": \"web\"}").structuredContent();
        assertThat(stats.path("name").asText()).isEqualTo("web");
        assertThat(stats.path("cpu_percent").asDouble()).isEqualTo(20.0); // 0.2 s of 4 s system time, times 4 CPUs
        assertThat(stats.path("memory_usage_bytes").asLong()).isEqualTo(50_000_000);
        assertThat(stats.path("memory_percent").asDouble()).isEqualTo(5.0);
        assertThat(stats.path("pids").asLong()).isEqualTo(7);
        assertThat(stats.path("network_rx_bytes").asLong()).isEqualTo(101);
        assertThat(stats.path("network_tx_bytes").asLong()).isEqualTo(42);
        assertThat(stats.path("block_read_bytes").asLong()).isEqualTo(4100);
        assertThat(stats.path("block_write_bytes").asLong()).isEqualTo(512);
        assertThat(engine.requests()).containsExactly("GET /containers/web/stats?stream=false HTTP/1.1");
    }
}
