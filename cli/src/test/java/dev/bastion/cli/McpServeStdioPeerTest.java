package dev.bastion.cli;

import dev.bastion.engine.testing.NodePackages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.McpScopes;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bastion mcp serve} as a desktop client runs it: the CLI's main class as a child process, driven over its
 * stdin/stdout by the official TypeScript SDK client (the mcp module's src/test/node). No skip without node.
 */
class McpServeStdioPeerTest {

    private static final Path NODE_DIR = Path.of("../mcp/src/test/node").toAbsolutePath().normalize();

    @TempDir
    Path home;

    private record Run(int exit, String out, String err) {
    }

    private Run node(Map<String, String> env) throws Exception {
        NodePackages.install(NODE_DIR);
        List<String> command = new ArrayList<>(List.of("node", "sdk-client.mjs", "stdio",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), BastionCli.class.getName(), "mcp", "serve", "--home", home.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(NODE_DIR.toFile());
        builder.environment().putAll(env);
        Path err = Files.createTempFile("mcp-serve", ".err");
        builder.redirectError(err.toFile());
        Process process = builder.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        Run run = new Run(process.exitValue(), out, Files.readString(err));
        Files.delete(err);
        return run;
    }

    @Test
    void theSdkClientTalksToTheCliAsTheKeysUser() throws Exception {
        McpScopes.define();
        SecurityServices security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        String key = security.keys().create("alice", Set.of(Scope.MODELS_USE, McpScopes.TOOLS_USE), null, null).secret();

        Run ok = node(Map.of("BASTION_API_KEY", key));
        assertThat(ok.exit()).as(ok.err()).isZero();
        String[] lines = ok.out().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(summary.path("server").path("name").asText()).isEqualTo("bastion");
        assertThat(summary.path("tools").isArray()).isTrue();
        assertThat(summary.path("trick").path("message").asText()).contains("Unknown tool: FILES__read");
        assertThat(Files.readString(home.resolve("audit.log"))).contains("\"actor\":\"alice\"", "\"stdio\"");

        Run refused = node(Map.of("BASTION_API_KEY", key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A")));
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("invalid API key");
    }
}
