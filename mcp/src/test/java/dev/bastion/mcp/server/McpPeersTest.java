package dev.bastion.mcp.server;

import dev.bastion.engine.testing.NodePackages;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.testing.AuditRecords;
import dev.bastion.mcp.testing.StdioTestServer;
import dev.bastion.mcp.testing.TestSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real MCP peers against the gateway: the official TypeScript SDK client and the Inspector CLI (src/test/node, from
 * npm with a lockfile), over Streamable HTTP at /mcp and over stdio with a child process serving as a key's user.
 * There is no skip: without node and npm these tests fail.
 */
class McpPeersTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    /** Run from its own build directory: it finds its package.json relative to the working directory. */
    private static final Path INSPECTOR_DIR = NODE_DIR.resolve("node_modules/@modelcontextprotocol/inspector-cli/build");
    private static final String INSPECTOR = "index.js";

    @TempDir
    static Path home;

    static TestSources.Slow slow = new TestSources.Slow();
    static McpTestServer mcp;

    @BeforeAll
    static void start() throws Exception {
        mcp = new McpTestServer(home, List.of(new TestSources.Echo("files"), new TestSources.Echo(), slow),
                GatewaySettings.defaults());
        NodePackages.install(NODE_DIR);
    }

    @AfterAll
    static void stop() {
        if (mcp != null) mcp.close();
    }

    private static String run(List<String> command, Map<String, String> env, long timeoutSeconds) throws IOException, InterruptedException {
        return run(command, env, timeoutSeconds, NODE_DIR);
    }

    private static String inspect(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return run(command, env, 120, INSPECTOR_DIR);
    }

    private static String run(List<String> command, Map<String, String> env, long timeoutSeconds, Path dir)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().putAll(env);
        Path stderr = Files.createTempFile("mcp-peer", ".err");
        builder.redirectError(stderr.toFile());
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " timed out");
        }
        String err = Files.readString(stderr);
        Files.delete(stderr);
        if (process.exitValue() != 0) {
            throw new AssertionError(command.getFirst() + " exited " + process.exitValue() + "\nstdout: "
                    + new String(out, StandardCharsets.UTF_8) + "\nstderr: " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static JsonNode lastJson(String output) throws IOException {
        String[] lines = output.strip().split("\n");
        return McpTestServer.JSON.readTree(lines[lines.length - 1]);
    }

    /** The stdio server as a child JVM, on this test's class path. */
    private static List<String> stdioServer() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), StdioTestServer.class.getName(), home.toString());
    }

    @Test
    void sdkClientOverHttp() throws Exception {
        JsonNode alice = lastJson(run(List.of("node", "sdk-client.mjs", "http", mcp.url(), mcp.aliceKey),
                Map.of("CALL_TOOL", "files__say"), 60));
        assertThat(alice.path("server").path("name").asText()).isEqualTo("bastion");
        assertThat(alice.path("tools").findValuesAsText("")).isEmpty();
        assertThat(texts(alice.path("tools"))).containsExactly("files__fail", "files__read", "files__say");
        assertThat(alice.path("call").path("text").asText()).isEqualTo("files:say:from-sdk:alice");
        assertThat(alice.path("trick").path("message").asText()).contains("Unknown tool: FILES__read");

        JsonNode root = lastJson(run(List.of("node", "sdk-client.mjs", "http", mcp.url(), mcp.rootKey),
                Map.of("SLOW_TOOL", "slow__wait"), 60));
        assertThat(root.path("progress").get(0).path("progress").asDouble()).isEqualTo(1.0);
        assertThat(root.path("progress").get(0).path("total").asDouble()).isEqualTo(10.0);
        assertThat(root.path("cancel").path("aborted").asBoolean()).isTrue();
        awaitEnding("sdk-http");
        assertThat(AuditRecords.toolCalls(home)).anySatisfy(r -> {
            assertThat(r.path("target").asText()).isEqualTo("slow__wait");
            assertThat(r.path("outcome").asText()).isEqualTo("cancelled");
        });
    }

    @Test
    void sdkClientOverStdio() throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "sdk-client.mjs", "stdio"));
        command.addAll(stdioServer());
        Map<String, String> env = new HashMap<>(Map.of("BASTION_API_KEY", mcp.bobKey, "CALL_TOOL", "files__say"));
        JsonNode bob = lastJson(run(command, env, 120));
        assertThat(texts(bob.path("tools"))).containsExactly("files__fail", "files__read", "files__say");
        assertThat(bob.path("call").path("text").asText()).isEqualTo("files:say:from-sdk:bob");
        assertThat(bob.path("trick").path("message").asText()).contains("Unknown tool: FILES__read");
        assertThat(AuditRecords.toolCalls(home)).anySatisfy(r -> {
            assertThat(r.path("actor").asText()).isEqualTo("bob");
            assertThat(r.path("details").path("transport").asText()).isEqualTo("stdio");
        });

        List<String> slowCommand = new ArrayList<>(command);
        JsonNode root = lastJson(run(slowCommand, Map.of("BASTION_API_KEY", mcp.rootKey, "SLOW_TOOL", "slow__wait"), 120));
        assertThat(root.path("progress")).hasSize(1);
        assertThat(root.path("cancel").path("aborted").asBoolean()).isTrue();
        awaitEnding("sdk-stdio");
        assertThat(AuditRecords.toolCalls(home)).anySatisfy(r -> {
            assertThat(r.path("details").path("transport").asText()).isEqualTo("stdio");
            assertThat(r.path("outcome").asText()).isEqualTo("cancelled");
        });
    }

    @Test
    void stdioRefusesAnInvalidKey() throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "sdk-client.mjs", "stdio"));
        command.addAll(stdioServer());
        try {
            run(command, Map.of("BASTION_API_KEY", "bst_AAAAAAAA_" + "A".repeat(43)), 120);
            throw new IllegalStateException("the client connected without a valid key");
        } catch (AssertionError expected) {
            assertThat(expected.getMessage()).contains("invalid API key");
        }
    }

    @Test
    void inspectorCliOverHttpAndStdio() throws Exception {
        JsonNode listed = McpTestServer.JSON.readTree(inspect(List.of("node", INSPECTOR, mcp.url(), "--transport", "http",
                "--method", "tools/list", "--header", "Authorization: Bearer " + mcp.aliceKey), Map.of()));
        assertThat(texts(listed.path("tools"))).containsExactly("files__fail", "files__read", "files__say");
        JsonNode called = McpTestServer.JSON.readTree(inspect(List.of("node", INSPECTOR, mcp.url(), "--transport", "http",
                "--method", "tools/call", "--tool-name", "files__say", "--tool-arg", "text=inspected",
                "--header", "Authorization: Bearer " + mcp.aliceKey), Map.of()));
        assertThat(called.path("content").get(0).path("text").asText()).isEqualTo("files:say:inspected:alice");

        List<String> stdio = new ArrayList<>(List.of("node", INSPECTOR, stdioServer().getFirst(), "--method", "tools/list", "--"));
        stdio.addAll(stdioServer().subList(1, stdioServer().size()));
        JsonNode overStdio = McpTestServer.JSON.readTree(inspect(stdio, Map.of("BASTION_API_KEY", mcp.rootKey)));
        assertThat(texts(overStdio.path("tools"))).contains("echo__say", "files__read", "slow__wait");
    }

    private static List<String> texts(JsonNode tools) {
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.isTextual() ? t.asText() : t.path("name").asText()));
        return names.stream().sorted().toList();
    }

    private static void awaitEnding(String id) throws InterruptedException {
        for (int i = 0; i < 500 && !slow.endings.containsKey(id); i++) Thread.sleep(10);
    }
}
