package dev.bastion.cli;

import dev.bastion.api.BastionServer;
import dev.bastion.api.BindAddress;
import dev.bastion.api.ServerConfig;
import dev.bastion.api.StoreCatalog;
import dev.bastion.api.security.SecurityConfig;
import dev.bastion.api.security.SecurityFilterChain;
import dev.bastion.mcp.ToolSources;
import dev.bastion.mcp.upstream.UpstreamRegistry;
import dev.bastion.mcp.upstream.UpstreamRoutes;
import dev.bastion.mcp.upstream.UpstreamSource;
import dev.bastion.mcp.upstream.Upstreams;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class McpUpstreamCommandsTest {

    static final String SECRET = "Bearer cli-5e7a91-secret";

    @TempDir
    Path home;

    private record Result(int exit, String out, String err) {
    }

    /** {@code bastion mcp SUB --home HOME ARGS...} (the home goes first: anything after -- is the upstream's command). */
    private Result mcp(String sub, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new McpCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(sub, "--home", home.toString()));
        all.addAll(List.of(args));
        return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void addListAndRemoveWithoutEverShowingASecret() throws Exception {
        Result stdio = mcp("add", "github", "--env", "MODE=fast", "--env-secret", "GITHUB_TOKEN=ghp-cli-5e7a91",
                "--", "npx", "-y", "some-server", "--flag");
        assertThat(stdio.exit()).as(stdio.err()).isZero();
        assertThat(stdio.out()).contains("added upstream github (stdio)").doesNotContain("ghp-cli");
        assertThat(mcp("add", "remote", "--url", "https://mcp.example.com/mcp", "--header-secret", "Authorization=" + SECRET).exit()).isZero();

        Result list = mcp("list");
        assertThat(list.out()).containsPattern("github\\s+stdio\\s+registered").contains("npx -y some-server")
                .containsPattern("remote\\s+http\\s+registered").contains("Authorization").contains("GITHUB_TOKEN")
                .doesNotContain("cli-5e7a91");

        UpstreamRegistry registry = registry();
        assertThat(registry.find("github").orElseThrow().command()).containsExactly("npx", "-y", "some-server", "--flag");
        assertThat(registry.find("remote").orElseThrow().allHeaders()).containsEntry("Authorization", SECRET);

        assertThat(mcp("rm", "github").out()).contains("removed upstream github");
        assertThat(mcp("rm", "github").exit()).isEqualTo(1);
        assertThat(registry.find("github")).isEmpty();

        String audit = Files.readString(home.resolve("audit.log"));
        assertThat(audit).contains("mcp.upstream.add").contains("mcp.upstream.remove").doesNotContain("cli-5e7a91");
    }

    @Test
    void secretsWithoutAValueAreReadFromStandardInput() {
        McpCommand root = new McpCommand();
        CommandLine cli = new CommandLine(root);
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        McpAddCommand add = cli.getSubcommands().get("add").getCommand();
        add.stdin = new java.io.BufferedReader(new java.io.StringReader(SECRET + "\n"));

        int exit = cli.execute("add", "--home", home.toString(), "remote", "--url", "https://h.example/mcp",
                "--header-secret", "Authorization");

        assertThat(exit).isZero();
        assertThat(out.toString()).doesNotContain("cli-5e7a91");
        assertThat(registry().find("remote").orElseThrow().allHeaders()).containsEntry("Authorization", SECRET);
        add.stdin = new java.io.BufferedReader(new java.io.StringReader(""));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("add", "--home", home.toString(), "other", "--url", "https://h.example/mcp",
                "--header-secret", "Authorization")).isEqualTo(1);
        assertThat(err.toString()).contains("no value for Authorization");
    }

    @Test
    void refusesBadRegistrations() {
        assertThat(mcp("add", "files", "--", "node", "x").err()).contains("built-in");
        assertThat(mcp("add", "Bad_Name", "--", "node").exit()).isEqualTo(1);
        assertThat(mcp("add", "both", "--url", "https://h/mcp", "--", "node").err()).contains("either");
        assertThat(mcp("add", "neither").err()).contains("either");
        Result noEquals = mcp("add", "r", "--url", "https://h/mcp", "--header", "just-a-secret-value");
        assertThat(noEquals.exit()).isEqualTo(1);
        assertThat(noEquals.err()).doesNotContain("just-a-secret-value");
        assertThat(mcp("add", "dup", "--", "node").exit()).isZero();
        assertThat(mcp("add", "dup", "--", "node").err()).contains("already exists");
    }

    @Test
    void listAsksARunningServerForLiveState() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertThat(mcp("add", "down", "--url", "http://127.0.0.1:" + closedPort + "/mcp", "--header-secret", "Authorization=" + SECRET).exit()).isZero();
        SecurityServices security = SecurityServices.open(home, Map.of());
        security.users().create("root", Role.ADMIN);
        String admin = security.keys().create("root", Set.of(Scope.ADMIN), null, "cli").secret();
        Path keyFile = Files.writeString(home.resolve("admin.key"), admin + "\n");
        ToolSources sources = new ToolSources();
        Upstreams upstreams = new Upstreams(registry(), sources, new UpstreamSource.Options(Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(30)));
        SecurityFilterChain chain = new SecurityFilterChain(SecurityConfig.defaults(), security.keys(), security.audit());
        BastionServer server = new BastionServer(chain.secure(ServerConfig.defaults(new BindAddress("127.0.0.1", 0)))
                .withModule(new UpstreamRoutes(upstreams, security.audit())),
                new StoreCatalog(new ModelStore(home.resolve("models"))), (dir, format) -> {
                    throw new UnsupportedOperationException();
                }).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Result live;
            do {
                Thread.sleep(200);
                live = mcp("list", "--server", server.baseUrl(), "--key-file", keyFile.toString());
            } while (!live.out().contains("failed") && System.nanoTime() < deadline);
            assertThat(live.out()).containsPattern("down\\s+http\\s+failed\\s+0").contains("connect")
                    .contains("Authorization").doesNotContain("cli-5e7a91");
            assertThat(mcp("list", "--server", server.baseUrl()).err()).contains("admin key");
        } finally {
            server.close();
            sources.close();
        }
    }

    private UpstreamRegistry registry() {
        SecurityServices services = SecurityServices.open(home, Map.of());
        return new UpstreamRegistry(services.database(), services.secrets());
    }
}
