package dev.bastion.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ProgressSink;
import dev.bastion.mcp.ToolException;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSpec;
import dev.bastion.mcp.upstream.UpstreamSource.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real upstream servers from npm, and a misbehaving one, proxied through {@link UpstreamSource}. */
@Timeout(180)
class UpstreamSourceTest {

    static final UpstreamSource.Options FAST = new UpstreamSource.Options(Duration.ofSeconds(3), Duration.ofSeconds(30),
            Duration.ofMillis(200), Duration.ofMillis(1600), Duration.ofSeconds(30));
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void peers() throws Exception {
        NodePeers.install();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private UpstreamSource ready(UpstreamConfig config) throws InterruptedException {
        UpstreamSource source = new UpstreamSource(config, FAST);
        cleanup.add(source);
        source.start();
        await(() -> source.status().state() == State.READY, "upstream ready: " + source.status());
        return source;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    static ToolResult call(UpstreamSource source, String tool, String arguments) throws Exception {
        return call(source, tool, arguments, ProgressSink.NONE, new CancellationToken());
    }

    static ToolResult call(UpstreamSource source, String tool, String arguments, ProgressSink sink, CancellationToken cancel)
            throws Exception {
        return source.call(new ToolInvocation(null, tool, JSON.readTree(arguments), "req-1", sink, cancel));
    }

    private static List<String> names(UpstreamSource source) {
        return source.tools().stream().map(ToolSpec::name).toList();
    }

    @Test
    void everythingOverStdioListsAndRunsItsTools() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("everything", NodePeers.everything("stdio"), Map.of(), Map.of(), "admin"));

        assertThat(names(source)).contains("echo", "get-sum", "trigger-long-running-operation");
        assertThat(source.status().toolCount()).isEqualTo(source.tools().size());
        ToolSpec sum = source.tools().stream().filter(t -> t.name().equals("get-sum")).findFirst().orElseThrow();
        assertThat(sum.inputSchema().path("properties").has("a")).isTrue();
        assertThat(call(source, "echo", "{\"message\":\"hello upstream\"}").joinedText()).contains("hello upstream");
        ToolResult added = call(source, "get-sum", "{\"a\":2,\"b\":40}");
        assertThat(added.isError()).isFalse();
        assertThat(added.joinedText()).contains("42");
    }

    @Test
    void promptsAndResourcesArePassedThrough() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("everything", NodePeers.everything("stdio"), Map.of(), Map.of(), "admin"));

        assertThat(source.prompts()).extracting(p -> p.path("name").asText()).contains("simple-prompt");
        JsonNode prompt = source.getPrompt("simple-prompt", Map.of());
        assertThat(prompt.path("messages").get(0).path("content").path("text").asText()).isNotBlank();

        assertThat(source.resources()).isNotEmpty();
        String uri = source.resources().getFirst().path("uri").asText();
        JsonNode read = source.readResource(uri);
        assertThat(read.path("contents").get(0).path("uri").asText()).isEqualTo(uri);
        assertThatThrownBy(() -> source.readResource("demo://no/such/thing")).isInstanceOf(ToolException.class);
    }

    @Test
    void progressNotificationsReachTheCallersSink() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("everything", NodePeers.everything("stdio"), Map.of(), Map.of(), "admin"));
        List<double[]> seen = new CopyOnWriteArrayList<>();

        ToolResult result = call(source, "trigger-long-running-operation", "{\"duration\":1,\"steps\":3}",
                (progress, total, message) -> seen.add(new double[] {progress, total}), new CancellationToken());

        assertThat(result.joinedText()).contains("completed");
        assertThat(seen).extracting(p -> p[0]).containsExactly(1.0, 2.0, 3.0);
        assertThat(seen).extracting(p -> p[1]).containsOnly(3.0);
    }

    @Test
    void theProcessGetsItsConfiguredEnvironmentAndNothingOfTheServers() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("everything", NodePeers.everything("stdio"),
                Map.of("PLAIN_SETTING", "visible"), Map.of("API_TOKEN", "s3cret-token"), "admin"));

        JsonNode env = JSON.readTree(call(source, "get-env", "{}").joinedText());

        assertThat(env.path("PLAIN_SETTING").asText()).isEqualTo("visible");
        assertThat(env.path("API_TOKEN").asText()).isEqualTo("s3cret-token");
        Set<String> allowed = new HashSet<>(ProcessTransport.INHERITED_ENV);
        allowed.addAll(Set.of("PLAIN_SETTING", "API_TOKEN"));
        List<String> names = new ArrayList<>();
        env.fieldNames().forEachRemaining(names::add);
        assertThat(allowed).containsAll(names);
    }

    @Test
    void filesystemServerReadsAFileInItsAllowedDirectory(@TempDir Path dir) throws Exception {
        Path allowed = dir.toRealPath();
        Files.writeString(allowed.resolve("hello.txt"), "hello from disk");
        UpstreamSource source = ready(UpstreamConfig.stdio("fs", NodePeers.filesystem(allowed), Map.of(), Map.of(), "admin"));

        assertThat(names(source)).contains("read_text_file", "list_directory");
        ToolResult read = call(source, "read_text_file", JSON.writeValueAsString(Map.of("path", allowed.resolve("hello.txt").toString())));
        assertThat(read.isError()).isFalse();
        assertThat(read.joinedText()).isEqualTo("hello from disk");
        ToolResult outside = call(source, "read_text_file", "{\"path\":\"/etc/passwd\"}");
        assertThat(outside.isError()).as("the upstream's own refusal comes back as a result").isTrue();
    }

    @Test
    void everythingOverStreamableHttpWithHeaders() throws Exception {
        int port = NodePeers.freePort();
        startHttpEverything(port);

        UpstreamSource source = ready(UpstreamConfig.http("remote", "http://127.0.0.1:" + port + "/mcp",
                Map.of("X-Client", "bastion-test"), Map.of("Authorization", "Bearer upstream-secret"), "admin"));

        assertThat(names(source)).contains("echo", "get-sum");
        assertThat(call(source, "echo", "{\"message\":\"over http\"}").joinedText()).contains("over http");
        List<Double> seen = new CopyOnWriteArrayList<>();
        call(source, "trigger-long-running-operation", "{\"duration\":1,\"steps\":2}", (p, t, m) -> seen.add(p), new CancellationToken());
        assertThat(seen).containsExactly(1.0, 2.0);
    }

    @Test
    void anHttpUpstreamThatGoesAwayIsReconnectedWhenItIsBack() throws Exception {
        int port = NodePeers.freePort();
        Process first = startHttpEverything(port);
        UpstreamSource source = ready(UpstreamConfig.http("remote", "http://127.0.0.1:" + port + "/mcp", Map.of(), Map.of(), "admin"));
        first.descendants().forEach(ProcessHandle::destroyForcibly);
        first.destroyForcibly().waitFor();

        assertThatThrownBy(() -> call(source, "echo", "{\"message\":\"anyone?\"}")).isInstanceOf(ToolException.class);
        await(() -> source.status().state() != State.READY, "the loss noticed");
        startHttpEverything(port);

        await(() -> source.status().state() == State.READY, "reconnected: " + source.status());
        assertThat(call(source, "echo", "{\"message\":\"back again\"}").joinedText()).contains("back again");
    }

    private Process startHttpEverything(int port) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(NodePeers.everything("streamableHttp")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PORT", Integer.toString(port));
        Process server = builder.start();
        cleanup.add(() -> {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        });
        NodePeers.awaitPort(port, server);
        return server;
    }

    @Test
    void aKilledUpstreamIsRestarted() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("everything", NodePeers.everything("stdio"), Map.of(), Map.of(), "admin"));
        long first = source.pid();
        assertThat(first).isPositive();

        ProcessHandle.of(first).orElseThrow().destroyForcibly(); // SIGKILL, as kill -9

        await(() -> source.status().restarts() >= 1, "the loss noticed");
        assertThat(source.status().lastError()).contains("exited");
        await(() -> source.status().state() == State.READY && source.pid() != first, "a new process ready");
        assertThat(call(source, "echo", "{\"message\":\"back\"}").joinedText()).contains("back");
    }

    @Test
    void anUpstreamThatKeepsDyingIsRetriedWithGrowingCappedDelays() throws Exception {
        UpstreamSource source = new UpstreamSource(UpstreamConfig.stdio("crashy", List.of("node", "-e", "process.exit(3)"),
                Map.of(), Map.of(), "admin"), FAST);
        cleanup.add(source);
        long started = System.nanoTime();
        source.start();

        // Delays 0.2, 0.4, 0.8, 1.6, then 1.6 s each (the cap): bounds that a slow machine can only make safer.
        await(() -> source.status().restarts() >= 4, "four failed starts");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("growing delays, not a busy loop")
                .isGreaterThanOrEqualTo(Duration.ofMillis(200 + 400 + 800));
        int before = source.status().restarts();
        Thread.sleep(3_300);
        assertThat(source.status().restarts() - before).as("at most one attempt per capped delay").isLessThanOrEqualTo(3);
        UpstreamSource.Status status = source.status();
        assertThat(status.state()).isIn(State.FAILED, State.STARTING);
        assertThat(status.lastError()).contains("exited with code 3");
        assertThatThrownBy(() -> call(source, "anything", "{}")).isInstanceOf(ToolException.class).hasMessageContaining("not available");
    }

    @Test
    void anUpstreamThatNeverAnswersInitializeFailsItsStartInTime() throws Exception {
        UpstreamSource source = new UpstreamSource(UpstreamConfig.stdio("mute", List.of("node", "-e", "setInterval(() => {}, 1000)"),
                Map.of(), Map.of(), "admin"), new UpstreamSource.Options(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        cleanup.add(source);
        source.start();

        await(() -> source.status().state() == State.FAILED, "the start given up");
        assertThat(source.status().lastError()).contains("could not connect");
        assertThat(source.tools()).isEmpty();
        assertThatThrownBy(() -> call(source, "anything", "{}")).isInstanceOf(ToolException.class);
    }

    @Test
    void misbehaviourFailsOnlyTheCallConcerned() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("peer", NodePeers.misbehaving(), Map.of(), Map.of(), "admin"));

        assertThat(names(source)).containsExactly("echo", "hang", "garbage", "cancelled", "add-tool");
        assertThat(source.status().lastError()).contains("skipped 2 tool(s)").contains("bad name!");

        assertThatThrownBy(() -> call(source, "garbage", "{}")).isInstanceOf(ToolException.class).hasMessageContaining("malformed");
        assertThat(call(source, "echo", "{\"message\":\"still fine\"}").joinedText()).isEqualTo("echo: still fine");
        assertThat(call(source, "echo", "[1, 2]").isError()).as("arguments that are not an object").isTrue();

        long started = System.nanoTime();
        assertThatThrownBy(() -> call(source, "hang", "{}")).isInstanceOf(ToolException.class).hasMessageContaining("did not answer");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(10));
        assertThat(call(source, "echo", "{\"message\":\"after the timeout\"}").joinedText()).isEqualTo("echo: after the timeout");
        assertThat(source.status().state()).isEqualTo(State.READY);
    }

    @Test
    void cancellationAndTimeoutsAreSentUpstream() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("peer", NodePeers.misbehaving(), Map.of(), Map.of(), "admin"));
        CancellationToken cancel = new CancellationToken();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            cancel.cancel();
        });

        assertThatThrownBy(() -> call(source, "hang", "{}", ProgressSink.NONE, cancel))
                .isInstanceOf(ToolException.class).hasMessageContaining("cancelled");
        assertThatThrownBy(() -> call(source, "hang", "{}")).isInstanceOf(ToolException.class);

        JsonNode cancelled = JSON.readTree(call(source, "cancelled", "{}").joinedText());
        assertThat(cancelled).as("both calls named in notifications/cancelled").hasSize(2);
    }

    @Test
    void toolListChangesAreFollowed() throws Exception {
        UpstreamSource source = ready(UpstreamConfig.stdio("peer", NodePeers.misbehaving(), Map.of(), Map.of(), "admin"));
        assertThat(names(source)).doesNotContain("added");

        call(source, "add-tool", "{}");

        await(() -> names(source).contains("added"), "the new tool listed");
    }
}
