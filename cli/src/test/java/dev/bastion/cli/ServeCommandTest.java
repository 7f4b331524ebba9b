package dev.bastion.cli;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.store.ModelName;
import dev.bastion.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {

    @TempDir
    Path home;

    /** Runs {@code bastion serve ARGS} in the background; returns the printed base URL. */
    private String serve(ServeCommand serve, StringWriter out, String... args) throws Exception {
        CommandLine cli = new CommandLine(serve).setOut(new PrintWriter(out, true));
        exit = CompletableFuture.supplyAsync(() -> cli.execute(args));
        for (int i = 0; i < 200; i++) {
            Matcher m = Pattern.compile("listening on (https?://\\S+)").matcher(out.toString());
            if (m.find()) return m.group(1);
            if (exit.isDone()) break;
            Thread.sleep(50);
        }
        throw new AssertionError("server did not start; output: " + out);
    }

    private CompletableFuture<Integer> exit;
    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesAnEmptyHomeWithAuthenticationBootstrappingAnAdminKey() throws Exception {
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString()));
        StringWriter out = new StringWriter();
        String url = serve(serve, out, "--host", "127.0.0.1:0");
        try {
            assertThat(out.toString()).contains(home.toAbsolutePath().toString()).contains("admin.key");
            String key = Files.readString(home.resolve("admin.key")).strip();
            assertThat(get(url + "/", null).body()).isEqualTo("Bastion is running");
            HttpResponse<String> anonymous = get(url + "/api/tags", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("error");
            HttpResponse<String> tags = get(url + "/api/tags", key);
            assertThat(tags.statusCode()).isEqualTo(200);
            assertThat(tags.body()).isEqualTo("{\"models\":[]}");
            assertThat(get(url + "/v1/models", key).body()).contains("\"data\":[]");
            assertThat(Files.isDirectory(home.resolve("manifests"))).isTrue();
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void servesMcpAndThePolicyRoutesWithTheBootstrapAdminKey() throws Exception {
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString()));
        StringWriter out = new StringWriter();
        String url = serve(serve, out, "--host", "127.0.0.1:0");
        try {
            String key = Files.readString(home.resolve("admin.key")).strip();
            HttpResponse<String> init = client.send(HttpRequest.newBuilder(URI.create(url + "/mcp"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                            + "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                            + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(init.statusCode()).isEqualTo(200);
            assertThat(init.headers().firstValue("Mcp-Session-Id")).isPresent();
            assertThat(init.body()).contains("\"name\":\"bastion\"");
            HttpResponse<String> policy = get(url + "/api/mcp/policy", key);
            assertThat(policy.statusCode()).isEqualTo(200);
            assertThat(policy.body()).contains("files__*", "shell__run");
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void writesThroughTheApiLandInTheAuthenticatedUsersNamespaceAsTheirs() throws Exception {
        Path source = TinyModelFixture.tinyModel(home.resolve("src"), Architecture.LLAMA);
        new ModelStore(home.resolve("store")).importDirectory(source, ModelName.parse("tiny"), "ops");
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.resolve("store").toString()));
        String url = serve(serve, new StringWriter(), "--host", "127.0.0.1:0");
        try {
            String key = Files.readString(home.resolve("store/admin.key")).strip();
            HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create(url + "/api/create"))
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mine\",\"from\":\"tiny\",\"stream\":false}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(new ModelStore(home.resolve("store")).list())
                .filteredOn(m -> m.name().toString().equals("admin/mine:latest"))
                .singleElement().satisfies(m -> assertThat(m.owner()).isEqualTo("admin"));
    }

    @Test
    void theHomesEncryptionSwitchEncryptsChatHistory() throws Exception {
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString(), "BASTION_ENCRYPT_MODELS", "on"));
        StringWriter out = new StringWriter();
        String url = serve(serve, out, "--host", "127.0.0.1:0");
        String title = "Lantern keeper ledger";
        try {
            String key = Files.readString(home.resolve("admin.key")).strip();
            HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create(url + "/web/api/conversations"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"" + title + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).get("id").asText();
            assertThat(get(url + "/web/api/conversations/" + id, key).body()).contains(title);
            assertThat(get(url + "/web/api/conversations?q=lantern", key).body()).contains(id);
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
        try (var files = Files.list(home)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("bastion.db")).toList()) {
                assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)).as(file.toString())
                        .doesNotContain(title);
            }
        }
    }

    @Test
    void insecureNoAuthServesWithoutKeysOnLoopback() throws Exception {
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString()));
        StringWriter out = new StringWriter();
        String url = serve(serve, out, "--host", "127.0.0.1:0", "--insecure-no-auth");
        try {
            assertThat(get(url + "/api/tags", null).statusCode()).isEqualTo(200);
            assertThat(Files.exists(home.resolve("admin.key"))).isFalse();
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void embeddingCapsAreServeFlags() throws Exception {
        Path source = TinyModelFixture.tinyModel(home.resolve("src"), Architecture.LLAMA);
        new ModelStore(home.resolve("store")).importDirectory(source, ModelName.parse("tiny"), null);
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.resolve("store").toString(), "BASTION_EMBED_MAX_INPUTS", "9"));
        String url = serve(serve, new StringWriter(), "--host", "127.0.0.1:0", "--insecure-no-auth", "--embed-max-inputs", "2");
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/api/embed"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"input\":[\"a\",\"b\",\"c\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("'input' has 3 items, more than the limit of 2");
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString()))).setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--embed-max-tokens", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--embed-max-tokens");
    }

    @Test
    void theImportRootLetsAnAdminImportAModelDirectoryAndANonDirectoryRefusesToStart(@TempDir Path imports) throws Exception {
        TinyModelFixture.tinyModel(imports.resolve("tiny"), Architecture.LLAMA);
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString(), "BASTION_IMPORT_ROOT", imports.toString()));
        StringWriter out = new StringWriter();
        String url = serve(serve, out, "--host", "127.0.0.1:0");
        try {
            String key = Files.readString(home.resolve("admin.key")).strip();
            HttpResponse<String> imported = client.send(HttpRequest.newBuilder(URI.create(url + "/api/admin/models/import"))
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"tiny\",\"name\":\"library/tiny\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
            assertThat(get(url + "/api/tags", key).body()).contains("tiny:latest");
        } finally {
            serve.stop();
        }
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();

        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString(),
                "BASTION_IMPORT_ROOT", imports.resolve("missing").toString()))).setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--host", "127.0.0.1:0")).isEqualTo(1);
        assertThat(err.toString()).contains("BASTION_IMPORT_ROOT must name an existing directory");
    }

    @Test
    void rejectsABadHostWithAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString())))
                .setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--host", "ftp://x:1")).isEqualTo(2);
        assertThat(err.toString()).contains("ftp://x:1");
    }

    @Test
    void aNodeOwnerWhoIsNoUserStopsServeAndAKnownOneIsNamedAtStart() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString(),
                "BASTION_NODE_OWNER", "ghost"))).setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--host", "127.0.0.1:0")).isEqualTo(1);
        assertThat(err.toString()).startsWith("bastion serve: BASTION_NODE_OWNER names no user of this home")
                .doesNotContain("\tat ");

        dev.bastion.security.SecurityServices.open(home, Map.of()).users().create("carol", dev.bastion.security.Role.USER);
        StringWriter out = new StringWriter();
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", home.toString(), "BASTION_NODE_OWNER", "carol",
                "BASTION_NETWORK_FEE", "7.5"));
        serve(serve, out, "--host", "127.0.0.1:0");
        serve.stop();
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString()).contains("This node's owner carol earns what it charges, less the network fee of 7.5%");
    }

    @Test
    void aBusyPortIsAOneLineError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString())))
                    .setErr(new PrintWriter(err, true));
            assertThat(cli.execute("--host", "127.0.0.1:" + taken.getLocalPort())).isEqualTo(1);
            assertThat(err.toString()).startsWith("bastion serve: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void aFirstStartWithAnUnwritableAuditLogFailsCleanlyAndCreatesNoAdmin() throws Exception {
        Files.createDirectories(home.resolve("audit.log")); // not writable as a file, even for root
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString())))
                .setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--host", "127.0.0.1:0")).isEqualTo(1);
        assertThat(err.toString()).contains("bastion serve: cannot create the first admin").contains("audit.log")
                .contains("nothing was created").doesNotContain("\tat ");
        assertThat(home.resolve("admin.key")).doesNotExist();
        dev.bastion.security.SecurityServices services = dev.bastion.security.SecurityServices.open(home, Map.of());
        assertThat(services.users().isEmpty()).as("no half-created admin").isTrue();
    }

    @Test
    void homeDefaultsToDotBastionAndTheHomeOptionWins() {
        assertThat(new ServeCommand(Map.of()).home.resolve()).isEqualTo(Path.of(System.getProperty("user.home"), ".bastion"));
        assertThat(new ServeCommand(Map.of("BASTION_HOME", "/srv/b")).home.resolve()).isEqualTo(Path.of("/srv/b"));
        ServeCommand serve = new ServeCommand(Map.of("BASTION_HOME", "/srv/b"));
        new CommandLine(serve).parseArgs("--home", "/opt/models");
        assertThat(serve.home.resolve()).isEqualTo(Path.of("/opt/models"));
    }
}
