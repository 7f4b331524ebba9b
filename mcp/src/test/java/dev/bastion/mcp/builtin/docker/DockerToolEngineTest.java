package dev.bastion.mcp.builtin.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ProgressSink;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSpec;
import dev.bastion.mcp.ToolUser;
import dev.bastion.security.Role;
import dev.bastion.security.User;
import dev.bastion.security.UserService;
import dev.bastion.security.db.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The docker tool against a real Docker-compatible engine ({@link TestPodman}): Podman serving the Engine API. */
class DockerToolEngineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "hunter2-do-not-show";
    /** Lines of 1018 'x' and their number: 600 KiB, all within a tail of 1000 lines, far over the 64 KiB kept. */
    private static final int CHATTY_LINES = 600;

    @TempDir
    static Path home;
    static TestPodman podman;
    static DockerControlGrants grants;
    static DockerTool tool;
    static ToolUser alice;
    static ToolUser bob;
    static String tickerId;

    @BeforeAll
    static void startEngineAndContainers() throws Exception {
        podman = TestPodman.shared();
        Database database = Database.openHome(home);
        UserService users = new UserService(database);
        alice = toolUser(users.create("alice", Role.USER));
        bob = toolUser(users.create("bob", Role.USER));
        grants = new DockerControlGrants(database);
        tool = DockerTool.open(podman.socket(), grants);
        // Ends on SIGTERM at once (PID 1 ignores signals it has no handler for).
        tickerId = podman.container(true, List.of("--name", "ticker", "--label", "app=demo", "-e", "TOKEN=" + SECRET),
                "trap 'exit 0' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done");
        podman.container(false, List.of("--name", "idle", "--label", "app=other"), "trap 'exit 0' TERM; sleep 1000 & wait");
        // Lines of exactly 1 KiB, each in one write: conmon then always reads whole lines. A line it reads in parts
        // becomes several records in Podman's log, which its API's tail counts and joins wrongly.
        podman.container(true, List.of("--name", "chatty"), "x=$(head -c 1018 /dev/zero | tr '\\0' x); i=0;"
                + " while [ $i -lt " + CHATTY_LINES + " ]; do printf '%s %04d\\n' \"$x\" $i; i=$((i+1)); done;"
                + " echo the-end; sleep 1000");
        podman.container(true, List.of("--name", "ttybox", "-t"), "echo tty-hello; sleep 1000");
    }

    @AfterAll
    static void closeTool() {
        if (tool != null) tool.close();
    }

    private static ToolUser toolUser(User user) {
        return new ToolUser(user.id(), user.name(), user.role(), home.resolve("workspaces").resolve(user.name()));
    }

    private static ToolResult call(ToolUser user, String name, String argumentsJson) throws Exception {
        JsonNode arguments = JSON.readTree(argumentsJson);
        return tool.call(new ToolInvocation(user, name, arguments, "req-test", ProgressSink.NONE, new CancellationToken()));
    }

    private static JsonNode structured(ToolResult result) {
        assertThat(result.isError()).as(result.joinedText()).isFalse();
        return result.structuredContent();
    }

    /** Polls a read until it shows what a container has had time to do. */
    private static ToolResult eventually(String name, String arguments, Predicate<ToolResult> done) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        ToolResult result = call(alice, name, arguments);
        while (!done.test(result) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            result = call(alice, name, arguments);
        }
        return result;
    }

    private static List<String> names(JsonNode list) {
        return list.path("containers").findValuesAsText("name");
    }

    @Test
    void listsRunningContainersAndWithAllTheStoppedOnesToo() throws Exception {
        JsonNode running = structured(call(alice, "list", "{}"));
        assertThat(names(running)).contains("ticker", "chatty", "ttybox").doesNotContain("idle");
        JsonNode all = structured(call(alice, "list", "{\"all\": true}"));
        assertThat(names(all)).contains("ticker", "idle");
        JsonNode ticker = null;
        for (JsonNode c : all.path("containers")) if (c.path("name").asText().equals("ticker")) ticker = c;
        assertThat(ticker.path("id").asText()).isEqualTo(tickerId.substring(0, 12));
        assertThat(ticker.path("state").asText()).isEqualTo("running");
        assertThat(ticker.path("image").asText()).isEqualTo(TestPodman.IMAGE);
        assertThat(ticker.path("labels").path("app").asText()).isEqualTo("demo");
        assertThat(ticker.path("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }

    @Test
    void filtersByLabel() throws Exception {
        assertThat(names(structured(call(alice, "list", "{\"all\": true, \"label\": \"app=demo\"}")))).containsExactly("ticker");
        assertThat(names(structured(call(alice, "list", "{\"all\": true, \"label\": \"app\"}"))))
                .containsExactlyInAnyOrder("ticker", "idle");
        assertThat(call(alice, "list", "{\"label\": \"app=x\\ny\"}").isError()).isTrue();
        assertThat(call(alice, "list", "{\"all\": \"yes\"}").isError()).isTrue();
    }

    @Test
    void inspectShowsStateAndConfigButNeverTheEnvironment() throws Exception {
        ToolResult result = call(alice, "inspect", "{\"container\": \"ticker\"}");
        JsonNode view = structured(result);
        assertThat(view.path("id").asText()).isEqualTo(tickerId);
        assertThat(view.path("name").asText()).isEqualTo("ticker");
        assertThat(view.path("state").path("running").asBoolean()).isTrue();
        assertThat(view.path("labels").path("app").asText()).isEqualTo("demo");
        assertThat(view.path("network_mode").asText()).isEqualTo("none");
        assertThat(result.joinedText()).doesNotContain(SECRET).doesNotContain(home.toString()).doesNotContain("/tmp/");
        // By id prefix too, as docker accepts it.
        assertThat(structured(call(alice, "inspect", "{\"container\": \"" + tickerId.substring(0, 12) + "\"}"))
                .path("name").asText()).isEqualTo("ticker");
    }

    @Test
    void logsReturnTheLastLinesOptionallyTimestamped() throws Exception {
        ToolResult result = eventually("logs", "{\"container\": \"ticker\", \"tail\": 3}",
                r -> r.joinedText().lines().count() == 3);
        assertThat(result.isError()).isFalse();
        assertThat(result.joinedText().lines()).hasSize(3).allMatch(line -> line.matches("tick \\d+"));
        ToolResult stamped = call(alice, "logs", "{\"container\": \"ticker\", \"tail\": 2, \"timestamps\": true}");
        assertThat(stamped.joinedText().lines()).hasSize(2)
                .allMatch(line -> line.matches("\\d{4}-\\d\\d-\\d\\dT\\S+ tick \\d+"));
    }

    @Test
    void anOversizedLogIsCutToItsLastWholeLines() throws Exception {
        ToolResult result = eventually("logs", "{\"container\": \"chatty\", \"tail\": 1000}",
                r -> r.joinedText().contains("the-end"));
        long bytes = CHATTY_LINES * 1024L + "the-end\n".length();
        String text = result.joinedText();
        assertThat(result.isError()).isFalse();
        // Small pieces only: a failure message must not print a megabyte.
        List<String> lines = text.lines().toList();
        assertThat(lines.getFirst()).startsWith("[log cut: the last ").endsWith(" of " + bytes + " bytes]");
        assertThat(text.length()).isLessThan(DockerTool.LOG_KEEP_BYTES + 100);
        assertThat(text.substring(text.length() - 14)).isEqualTo(" 0" + (CHATTY_LINES - 1) + "\nthe-end\n");
        List<String> kept = lines.subList(1, lines.size() - 1);
        assertThat(kept).hasSizeGreaterThan(20);
        assertThat(kept.stream().filter(line -> !line.matches("x{1018} \\d{4}"))
                .map(line -> line.length() + " chars ending " + line.substring(Math.max(0, line.length() - 8))))
                .as("lines that are not whole").isEmpty();
    }

    @Test
    void readsATtyContainersLog() throws Exception {
        ToolResult result = eventually("logs", "{\"container\": \"ttybox\"}", r -> r.joinedText().contains("tty-hello"));
        assertThat(result.joinedText().strip()).isEqualTo("tty-hello");
    }

    @Test
    void statsSampleARunningContainer() throws Exception {
        JsonNode stats = structured(call(alice, "stats", "{\"container\": \"ticker\"}"));
        assertThat(stats.path("name").asText()).isEqualTo("ticker");
        assertThat(stats.path("pids").asLong()).isPositive();
        assertThat(stats.path("memory_usage_bytes").asLong()).isPositive();
        assertThat(stats.path("cpu_total_ns").asLong()).isPositive();
        ToolResult notRunning = call(alice, "stats", "{\"container\": \"idle\"}");
        assertThat(notRunning.isError()).isTrue();
        assertThat(notRunning.joinedText()).isEqualTo("container 'idle' is not running: no stats");
    }

    @Test
    void anUnknownContainerIsAClearErrorWithoutTheEnginesWords() throws Exception {
        for (String name : List.of("inspect", "logs", "stats")) {
            ToolResult result = call(alice, name, "{\"container\": \"no-such-box\"}");
            assertThat(result.isError()).isTrue();
            assertThat(result.joinedText()).isEqualTo("no such container 'no-such-box'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../containers", "x?all=1", "%2e%2e", "ticker\\n", "ticker/../../info", "..", "ticker#",
            "-all", "ticker&stream=1", " ticker"})
    void hostileContainerNamesAreRefused(String hostile) throws Exception {
        for (String name : List.of("inspect", "logs", "stats", "stop")) {
            ObjectNode arguments = JSON.createObjectNode().put("container", JSON.readTree("\"" + hostile + "\"").asText());
            ToolResult result = tool.call(new ToolInvocation(bob, name, arguments, "req", ProgressSink.NONE,
                    new CancellationToken()));
            assertThat(result.isError()).isTrue();
            assertThat(result.joinedText()).satisfiesAnyOf(
                    text -> assertThat(text).startsWith("'container' must be a container name or id"),
                    text -> assertThat(text).startsWith("docker__stop is not enabled"));
        }
    }

    @Test
    void badArgumentsAreErrorsTheModelCanRead() throws Exception {
        assertThat(call(alice, "inspect", "{}").joinedText()).contains("'container'");
        assertThat(call(alice, "inspect", "{\"container\": 42}").joinedText()).contains("'container'");
        assertThat(call(alice, "logs", "{\"container\": \"ticker\", \"tail\": 100000}").joinedText())
                .isEqualTo("'tail' must be an integer from 1 to 1000");
        assertThat(call(alice, "logs", "{\"container\": \"ticker\", \"tail\": 1.5}").isError()).isTrue();
        assertThat(call(alice, "delete", "{}").joinedText()).isEqualTo("no such docker tool: delete");
    }

    @Test
    void controlExistsOnlyForUsersAnAdminAllowed() throws Exception {
        String idle = "{\"container\": \"idle\", \"timeout\": 1}";
        assertThat(tool.tools(alice)).extracting(ToolSpec::name).containsExactly("list", "inspect", "logs", "stats");
        for (String action : List.of("start", "stop", "restart")) {
            ToolResult refused = call(alice, action, idle);
            assertThat(refused.isError()).isTrue();
            assertThat(refused.joinedText()).startsWith("docker__" + action + " is not enabled for you");
        }
        assertThat(podman.podman("inspect", "--format", "{{.State.Status}}", "idle").strip()).isEqualTo("created");

        grants.allow(bob.userId(), "test");
        try {
            assertThat(tool.tools(bob)).extracting(ToolSpec::name)
                    .containsExactly("list", "inspect", "logs", "stats", "start", "stop", "restart");
            assertThat(tool.tools(alice)).extracting(ToolSpec::name).doesNotContain("start", "stop", "restart");
            assertThat(call(bob, "start", idle).joinedText()).isEqualTo("started idle (state: running)");
            assertThat(call(bob, "start", idle).joinedText()).isEqualTo("was already running: idle (state: running)");
            assertThat(call(bob, "restart", idle).joinedText()).isEqualTo("restarted idle (state: running)");
            assertThat(call(bob, "stop", idle).joinedText()).isEqualTo("stopped idle (state: exited)");
            assertThat(call(bob, "stop", idle).joinedText()).isEqualTo("was already stopped: idle (state: exited)");
            assertThat(call(bob, "stop", "{\"container\": \"no-such-box\"}").joinedText())
                    .isEqualTo("no such container 'no-such-box'");
            assertThat(call(bob, "stop", "{\"container\": \"idle\", \"timeout\": 1000}").joinedText())
                    .isEqualTo("'timeout' must be an integer from 0 to 120");
        } finally {
            grants.deny(bob.userId());
        }
        assertThat(call(bob, "start", idle).joinedText()).startsWith("docker__start is not enabled for you");
        assertThat(tool.tools(bob)).extracting(ToolSpec::name).doesNotContain("start");
    }
}
