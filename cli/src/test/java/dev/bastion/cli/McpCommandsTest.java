package dev.bastion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.policy.PolicyRule;
import dev.bastion.mcp.policy.ToolPolicyStore;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class McpCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private record Result(int exit, String out, String err) {
    }

    private Result run(Object command, Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] withHome = new String[args.length + 2];
        System.arraycopy(args, 0, withHome, 0, args.length);
        withHome[args.length] = "--home";
        withHome[args.length + 1] = home.toString();
        if (command instanceof McpServeCommand serve) serve.home.environment = env;
        int exit = cli.execute(withHome);
        return new Result(exit, out.toString(), err.toString());
    }

    private Result run(Object command, String... args) {
        return run(command, Map.of(), args);
    }

    private SecurityServices services() {
        return SecurityServices.open(home, Map.of());
    }

    @Test
    void keysCanBeIssuedWithToolsUseFromTheCli() {
        services().users().create("alice", Role.USER);
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BastionCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()));
        int exit = cli.execute("keys", "create", "--user", "alice", "--scope", "models:use,tools:use", "--home", home.toString());
        assertThat(exit).isZero();
        assertThat(services().keys().authenticate(out.toString().trim()).orElseThrow().scopes())
                .contains(McpScopes.TOOLS_USE, Scope.MODELS_USE);
    }

    @Test
    void policyRulesAreListedAddedAndRemoved() {
        services().users().create("alice", Role.USER);
        assertThat(run(new McpPolicyCommand(), "list").out()).contains("role  user", "files__*", "shell__run");
        Result allow = run(new McpPolicyCommand(), "allow", "--user", "alice", "github__*");
        assertThat(allow.exit()).isZero();
        assertThat(allow.out()).contains("added: allow github__* to user alice");
        assertThat(run(new McpPolicyCommand(), "deny", "--role", "user", "shell__*").exit()).isZero();
        assertThat(run(new McpPolicyCommand(), "allow", "--user", "ghost", "*").err()).contains("no user named 'ghost'");
        assertThat(run(new McpPolicyCommand(), "allow", "--role", "root", "*").exit()).isEqualTo(1);
        assertThat(run(new McpPolicyCommand(), "allow", "--role", "user", "--user", "alice", "*").exit()).isNotZero();
        assertThat(run(new McpPolicyCommand(), "allow", "--role", "user", "files__[x]").err()).contains("invalid tool pattern");
        assertThat(new ToolPolicyStore(services().database()).list()).anySatisfy(rule -> {
            assertThat(rule.kind()).isEqualTo(PolicyRule.Kind.USER);
            assertThat(rule.subject()).isEqualTo("alice");
            assertThat(rule.pattern()).isEqualTo("github__*");
            assertThat(rule.effect()).isEqualTo(PolicyRule.Effect.ALLOW);
        });
        assertThat(run(new McpPolicyCommand(), "remove", "--user", "alice", "--effect", "allow", "github__*").exit()).isZero();
        assertThat(run(new McpPolicyCommand(), "remove", "--user", "alice", "--effect", "allow", "github__*").exit()).isEqualTo(1);
        assertThat(run(new McpPolicyCommand(), "list").out()).doesNotContain("github__*").contains("deny   shell__*");
        assertThat(Files.exists(home.resolve("audit.log"))).isTrue();
    }

    @Test
    void serveRefusesWithoutAValidKeyWithTheScope() throws Exception {
        SecurityServices services = services();
        services.users().create("alice", Role.USER);
        String modelsOnly = services.keys().create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        Result none = run(new McpServeCommand(), Map.of());
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no API key");
        Result invalid = run(new McpServeCommand(), Map.of("BASTION_API_KEY", "bst_AAAAAAAA_" + "A".repeat(43)));
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err()).contains("invalid API key").doesNotContain("AAAA");
        Result scopeless = run(new McpServeCommand(), Map.of("BASTION_API_KEY", modelsOnly));
        assertThat(scopeless.exit()).isEqualTo(1);
        assertThat(scopeless.err()).contains("tools:use");
        Path keyFile = home.resolve("nothing.key");
        Files.writeString(keyFile, "\n");
        assertThat(run(new McpServeCommand(), Map.of(), "--key-file", keyFile.toString()).err()).contains("no API key");
        assertThat(Files.readString(home.resolve("audit.log"))).contains("auth.failure", "mcp serve");
    }

    @Test
    void serveSpeaksMcpOverStdioAsTheKeysUser() throws Exception {
        McpScopes.define();
        SecurityServices services = services();
        services.users().create("alice", Role.USER);
        Path keyFile = home.resolve("alice.key");
        Files.writeString(keyFile, services.keys().create("alice", Set.of(McpScopes.TOOLS_USE), null, null).secret() + "\n");
        PipedOutputStream clientWrites = new PipedOutputStream();
        PipedInputStream serverReads = new PipedInputStream(clientWrites, 1 << 16);
        PipedOutputStream serverWrites = new PipedOutputStream();
        PipedInputStream clientReads = new PipedInputStream(serverWrites, 1 << 16);
        McpServeCommand serve = new McpServeCommand();
        serve.in = serverReads;
        serve.out = serverWrites;
        CompletableFuture<Result> running = CompletableFuture.supplyAsync(() -> run(serve, Map.of(), "--key-file", keyFile.toString()));
        BufferedReader replies = new BufferedReader(new InputStreamReader(clientReads, StandardCharsets.UTF_8));
        send(clientWrites, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        JsonNode init = JSON.readTree(replies.readLine());
        assertThat(init.path("result").path("serverInfo").path("name").asText()).isEqualTo("bastion");
        send(clientWrites, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        send(clientWrites, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"FILES__read\",\"arguments\":{}}}");
        JsonNode refused = JSON.readTree(replies.readLine());
        assertThat(refused.path("id").asInt()).isEqualTo(2);
        assertThat(refused.path("error").path("message").asText()).isEqualTo("Unknown tool: FILES__read");
        clientWrites.close();
        assertThat(running.get(20, TimeUnit.SECONDS).exit()).isZero();
        assertThat(Files.readString(home.resolve("audit.log"))).contains("\"actor\":\"alice\"", "FILES__read", "\"stdio\"");
    }

    @Test
    void runToolsGetsTheHomesGatewayAsTheKeysUser() throws Exception {
        assertThat(ToolGatewayFactory.installed()).isInstanceOf(McpToolGatewayFactory.class);
        McpScopes.define();
        SecurityServices services = services();
        services.users().create("alice", Role.USER);
        String key = services.keys().create("alice", Set.of(McpScopes.TOOLS_USE), null, null).secret();
        String modelsOnly = services.keys().create("alice", Set.of(Scope.MODELS_USE), null, null).secret();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new McpToolGatewayFactory(Map.of()).open(home))
                .hasMessageContaining("BASTION_API_KEY");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new McpToolGatewayFactory(Map.of("BASTION_API_KEY", modelsOnly)).open(home))
                .hasMessageContaining("tools:use");
        try (ToolGatewayFactory.Session session = new McpToolGatewayFactory(Map.of("BASTION_API_KEY", key)).open(home).orElseThrow()) {
            assertThat(session.caller().principal()).isEqualTo("alice");
            assertThat(session.gateway().toolsFor(session.caller())).extracting(dev.bastion.api.tools.ToolDescriptor::name)
                    .contains("files__read", "files__write", "shell__run").noneMatch(n -> n.startsWith("docker__"));
            var written = session.gateway().call(session.caller(), "files__write",
                    JSON.readTree("{\"path\":\"note.txt\",\"content\":\"hi\"}"), new dev.bastion.engine.generate.CancellationToken());
            assertThat(written.isError()).as(written.text()).isFalse();
            assertThat(Files.readString(home.resolve("workspaces/alice/note.txt"))).isEqualTo("hi");
        }
        assertThat(Files.readString(home.resolve("audit.log"))).contains("\"files__write\"", "\"chat\"");
    }

    private static void send(PipedOutputStream out, String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
