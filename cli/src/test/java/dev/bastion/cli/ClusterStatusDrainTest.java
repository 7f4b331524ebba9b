package dev.bastion.cli;

import com.sun.net.httpserver.HttpServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code bastion cluster status|drain} against a server that answers as a cluster node does; serve's cluster wiring. */
class ClusterStatusDrainTest {

    private static final String KEY = "bst_admin-key";
    private static final String STATUS = """
            {"self":"node-a","nodes":[
             {"name":"node-a","url":"https://10.0.0.1:11435","held":[],"loaded":[],"queue":0,"free_memory_bytes":1073741824,"draining":false},
             {"name":"node-c","url":"https://10.0.0.3:11435","held":["tiny:latest","big:latest"],"loaded":["tiny:latest"],"queue":3,"tokens_per_second":41.5,"free_memory_bytes":2147483648,"draining":true}]}
            """;

    @TempDir
    Path home;

    private HttpServer server;
    private final List<String> seen = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body);
            boolean admin = ("Bearer " + KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            String path = exchange.getRequestURI().getPath();
            String answer = !admin ? "{\"error\":\"missing or invalid API key\"}"
                    : path.equals("/api/cluster/status") ? STATUS
                    : body.contains("node-x") ? "{\"error\":\"no live node named 'node-x'\"}" : "{\"node\":\"node-c\"}";
            int status = !admin ? 401 : body.contains("node-x") ? 404 : 200;
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void statusListsNodesModelsAndLoad() {
        Run run = run(new ClusterStatusCommand(Map.of("BASTION_API_KEY", KEY)), "--server", url());
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).startsWith("NODE").contains("QUEUE").contains("TOK/S").contains("LOADED");
        assertThat(lines.get(1)).startsWith("node-a *").contains("1024 MiB").contains("serving");
        assertThat(lines.get(2)).startsWith("node-c").contains(" 3 ").contains("41.5").contains("draining").contains("tiny:latest")
                .contains("tiny:latest,big:latest");
        assertThat(seen).containsExactly("GET /api/cluster/status ");
    }

    @Test
    void drainAndUndoPostToTheNode() {
        Run drain = run(new ClusterDrainCommand(Map.of("BASTION_API_KEY", KEY)), "node-c", "--server", url());
        assertThat(drain.exit()).as(drain.err()).isZero();
        assertThat(drain.out()).contains("'node-c' is draining");
        Run undo = run(new ClusterDrainCommand(Map.of("BASTION_API_KEY", KEY)), "node-c", "--undo", "--server", url());
        assertThat(undo.exit()).isZero();
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).startsWith("POST /api/cluster/drain ").contains("\"node\":\"node-c\"").contains("\"drain\":true");
        assertThat(seen.get(1)).contains("\"drain\":false");
        Run unknown = run(new ClusterDrainCommand(Map.of("BASTION_API_KEY", KEY)), "node-x", "--server", url());
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("404").contains("no live node named 'node-x'");
    }

    @Test
    void aMissingOrWrongKeyIsAClearErrorAndTheKeyIsNeverPrinted() {
        Run none = run(new ClusterStatusCommand(Map.of()), "--server", url());
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("BASTION_API_KEY");
        Run wrong = run(new ClusterStatusCommand(Map.of("BASTION_API_KEY", "bst_wrong")), "--server", url());
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("admin key").doesNotContain("bst_wrong");
        Run unreachable = run(new ClusterStatusCommand(Map.of("BASTION_API_KEY", KEY)), "--server", "http://127.0.0.1:1");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("cannot reach");
    }

    @Test
    void serveJoinsAClusterOnlyWhenTurnedOnWithAuthenticationAndABundle() {
        ServerConfig config = ServerConfig.defaults(new BindAddress("127.0.0.1", 0));
        PrintWriter out = new PrintWriter(new StringWriter());
        assertThat(ClusterWiring.withCluster(config, Map.of(), home, false, null, null, out)).isSameAs(config);
        assertThatThrownBy(() -> ClusterWiring.withCluster(config, Map.of("BASTION_CLUSTER", "on"), home, true, null, null, out))
                .hasMessageContaining("needs authentication");
        assertThatThrownBy(() -> ClusterWiring.withCluster(config, Map.of("BASTION_CLUSTER", "on"), home, false, null, null, out))
                .hasMessageContaining(home.resolve("cluster").toString()).hasMessageContaining("bastion cluster join");
        assertThatThrownBy(() -> ClusterWiring.withCluster(config, Map.of("BASTION_CLUSTER", "maybe"), home, false, null, null, out))
                .hasMessageContaining("BASTION_CLUSTER must be on or off");
        assertThatThrownBy(() -> ClusterWiring.withCluster(config, Map.of("BASTION_CLUSTER", "on",
                "BASTION_NODE_PORT", "99999"), home, false, null, null, out)).hasMessageContaining("BASTION_NODE_PORT");
    }
}
