package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.policy.PolicyRule;
import dev.bastion.mcp.testing.AuditRecords;
import dev.bastion.mcp.testing.TestSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Streamable HTTP at /mcp on the real server, behind its security chain. */
class McpHttpTest {

    @TempDir
    Path home;

    TestSources.Echo files = new TestSources.Echo("files");
    TestSources.Echo echo = new TestSources.Echo("echo");
    TestSources.Slow slow = new TestSources.Slow();
    McpTestServer mcp;

    @BeforeEach
    void start() {
        mcp = new McpTestServer(home, List.of(files, echo, slow), GatewaySettings.defaults().withCallTimeout(Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        mcp.close();
    }

    private static List<String> names(JsonNode listResponse) {
        return listResponse.path("result").path("tools").findValuesAsText("name");
    }

    @Test
    void initializeListAndCallAsTheKeysUser() throws Exception {
        HttpResponse<String> init = mcp.post(mcp.aliceKey, null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},
                 "clientInfo":{"name":"t","version":"1"}}}""", "X-Request-Id", "init-req-1");
        assertThat(init.statusCode()).isEqualTo(200);
        assertThat(init.headers().firstValue("X-Request-Id")).hasValue("init-req-1");
        JsonNode result = McpTestServer.JSON.readTree(init.body()).path("result");
        assertThat(result.path("protocolVersion").asText()).isEqualTo("2025-11-25");
        assertThat(result.path("capabilities").has("tools")).isTrue();
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();

        assertThat(names(mcp.request(mcp.aliceKey, session, "tools/list", "{}", 2).getLast()))
                .containsExactlyInAnyOrder("files__say", "files__fail", "files__read");
        List<JsonNode> call = mcp.request(mcp.aliceKey, session, "tools/call",
                "{\"name\":\"files__say\",\"arguments\":{\"text\":\"hello\"}}", 3);
        assertThat(call.getLast().path("id").asInt()).isEqualTo(3);
        assertThat(call.getLast().path("result").path("content").get(0).path("text").asText()).isEqualTo("files:say:hello:alice");
        assertThat(call.getLast().path("result").path("isError").asBoolean()).isFalse();

        JsonNode audited = AuditRecords.toolCalls(home).getLast();
        assertThat(audited.path("actor").asText()).isEqualTo("alice");
        assertThat(audited.path("details").path("transport").asText()).isEqualTo("http");
        assertThat(audited.path("request_id").asText()).isNotBlank();
    }

    @Test
    void anOldProtocolVersionIsAgreedAndAnUnknownOneGetsTheLatest() throws Exception {
        HttpResponse<String> old = mcp.post(mcp.aliceKey, null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},
                 "clientInfo":{"name":"t","version":"1"}}}""");
        assertThat(McpTestServer.JSON.readTree(old.body()).path("result").path("protocolVersion").asText()).isEqualTo("2025-03-26");
        HttpResponse<String> future = mcp.post(mcp.aliceKey, null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2099-01-01","capabilities":{},
                 "clientInfo":{"name":"t","version":"1"}}}""");
        assertThat(McpTestServer.JSON.readTree(future.body()).path("result").path("protocolVersion").asText()).isEqualTo("2025-11-25");
        assertThat(mcp.post(mcp.aliceKey, null, "{}", "MCP-Protocol-Version", "1999-01-01").statusCode()).isEqualTo(400);
    }

    @Test
    void eachUserSeesOnlyTheirOwnPolicyAndSessions() throws Exception {
        mcp.gateway.policy().add(PolicyRule.of(PolicyRule.Kind.USER, "bob", "echo__say", PolicyRule.Effect.ALLOW));
        mcp.gateway.policy().add(PolicyRule.of(PolicyRule.Kind.USER, "bob", "files__*", PolicyRule.Effect.DENY));
        String alice = mcp.initialize(mcp.aliceKey);
        String bob = mcp.initialize(mcp.bobKey);
        assertThat(names(mcp.request(mcp.bobKey, bob, "tools/list", "{}", 1).getLast())).containsExactly("echo__say");
        assertThat(names(mcp.request(mcp.aliceKey, alice, "tools/list", "{}", 1).getLast())).doesNotContain("echo__say");
        assertThat(names(mcp.request(mcp.rootKey, mcp.initialize(mcp.rootKey), "tools/list", "{}", 1).getLast()))
                .contains("echo__say", "slow__wait", "files__read");

        // bob's key on alice's session is the same 404 as a session that never existed.
        HttpResponse<String> stolen = mcp.post(mcp.bobKey, alice, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}");
        HttpResponse<String> unknown = mcp.post(mcp.bobKey, "no-such-session", "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}");
        assertThat(stolen.statusCode()).isEqualTo(404);
        assertThat(stolen.body()).isEqualTo(unknown.body());

        // Alice calling bob's tool: the same answer as an unknown tool.
        JsonNode hidden = mcp.request(mcp.aliceKey, alice, "tools/call", "{\"name\":\"echo__say\",\"arguments\":{}}", 5).getLast();
        JsonNode missing = mcp.request(mcp.aliceKey, alice, "tools/call", "{\"name\":\"echo__sat\",\"arguments\":{}}", 5).getLast();
        assertThat(hidden.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(hidden.path("error").path("message").asText()).isEqualTo("Unknown tool: echo__say");
        assertThat(missing.path("error").path("message").asText()).isEqualTo("Unknown tool: echo__sat");
        assertThat(echo.received).isEmpty();
    }

    @Test
    void withoutAKeyOrTheScopeNothingIsServed() throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        assertThat(mcp.post(null, null, body).statusCode()).isEqualTo(401);
        assertThat(mcp.post("bst_AAAAAAAA_" + "A".repeat(43), null, body).statusCode()).isEqualTo(401);
        HttpResponse<String> noScope = mcp.post(mcp.aliceModelsOnlyKey, null, body);
        assertThat(noScope.statusCode()).isEqualTo(403);
        assertThat(noScope.body()).contains("tools:use");
        assertThat(AuditRecords.read(home)).extracting(r -> r.path("action").asText())
                .contains("auth.failure", "authz.denied");
        HttpResponse<String> get = mcp.http.send(HttpRequest.newBuilder(URI.create(mcp.url())).GET()
                .header("Authorization", "Bearer " + mcp.aliceKey).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
    }

    @Test
    void nameTricksAreUnknownToolsAndEveryRefusalIsAudited() throws Exception {
        String session = mcp.initialize(mcp.aliceKey);
        List<String> tricks = List.of("FILES__read", "files___read", "files__read ", "files__re\u0430d", "files__read\\u0000",
                "files:read", "files.read", "files__say/../x");
        int id = 10;
        for (String name : tricks) {
            JsonNode answer = mcp.request(mcp.aliceKey, session, "tools/call",
                    "{\"name\":" + McpTestServer.JSON.writeValueAsString(name) + ",\"arguments\":{}}", id++).getLast();
            assertThat(answer.path("error").path("code").asInt()).as(name).isEqualTo(-32602);
            assertThat(answer.path("error").path("message").asText()).as(name).startsWith("Unknown tool: ");
        }
        assertThat(files.received).isEmpty();
        assertThat(AuditRecords.toolCalls(home)).hasSize(tricks.size())
                .allSatisfy(r -> assertThat(r.path("outcome").asText()).isEqualTo("denied"));
    }

    @Test
    void aForeignOriginIsRefusedAndALoopbackOneServed() throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
        HttpResponse<String> foreign = mcp.post(mcp.aliceKey, null, body, "Origin", "http://evil.example");
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("origin not allowed");
        HttpResponse<String> rebound = mcp.post(mcp.aliceKey, null, body, "Origin", "http://127.0.0.1.evil.example:8080");
        assertThat(rebound.statusCode()).isEqualTo(403);
        assertThat(mcp.post(mcp.aliceKey, null, body, "Origin", "http://localhost:6274").statusCode()).isEqualTo(200);
        HttpResponse<String> preflight = mcp.http.send(HttpRequest.newBuilder(URI.create(mcp.url()))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://localhost:6274")
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
                .contains("Mcp-Session-Id", "MCP-Protocol-Version");
    }

    @Test
    void hugeAndNestedArgumentsAreRefusedCleanly() throws Exception {
        String session = mcp.initialize(mcp.aliceKey);
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"files__say\","
                + "\"arguments\":{\"text\":\"" + "x".repeat(5 << 20) + "\"}}}";
        assertThat(mcp.post(mcp.aliceKey, session, big).statusCode()).isEqualTo(413);

        // Nested past the gateway's cap but within the parser's: refused by the gateway, audited under the tool's name.
        String nested = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        JsonNode refused = mcp.request(mcp.aliceKey, session, "tools/call",
                "{\"name\":\"files__say\",\"arguments\":" + nested + "}", 2).getLast();
        assertThat(refused.path("error").path("message").asText()).contains("nested deeper");
        // Nested past anything sane: a parse error, not a stack overflow.
        String abyss = "[".repeat(500_000) + "]".repeat(500_000);
        HttpResponse<String> parse = mcp.post(mcp.aliceKey, session, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"files__say\",\"arguments\":{\"a\":" + abyss + "}}}");
        assertThat(parse.statusCode()).isEqualTo(400);
        assertThat(parse.body()).contains("-32700").doesNotContain("Exception", "nesting depth");
        assertThat(files.received).isEmpty();
        assertThat(AuditRecords.read(home)).filteredOn(r -> r.path("action").asText().equals("mcp.request"))
                .extracting(r -> r.path("actor").asText() + " " + r.path("outcome").asText() + " " + r.path("details").path("reason").asText())
                .containsExactly("alice denied body_too_large", "alice denied parse_error");
        assertThat(AuditRecords.toolCalls(home)).singleElement().satisfies(r -> {
            assertThat(r.path("outcome").asText()).isEqualTo("invalid");
            assertThat(r.path("target").asText()).isEqualTo("files__say");
        });
        // The server still answers.
        assertThat(mcp.request(mcp.aliceKey, session, "ping", "{}", 4).getLast().has("result")).isTrue();
    }

    @Test
    void aHangingToolTimesOut() throws Exception {
        String session = mcp.initialize(mcp.rootKey);
        long started = System.nanoTime();
        JsonNode answer = mcp.request(mcp.rootKey, session, "tools/call", "{\"name\":\"slow__hang\",\"arguments\":{}}", 1).getLast();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(10_000);
        assertThat(answer.path("result").path("isError").asBoolean()).isTrue();
        assertThat(answer.path("result").path("content").get(0).path("text").asText()).contains("timed out");
        assertThat(AuditRecords.toolCalls(home)).singleElement()
                .satisfies(r -> assertThat(r.path("outcome").asText()).isEqualTo("timeout"));
    }

    @Test
    void progressArrivesWhileTheCallRunsAndCancellationStopsIt() throws Exception {
        mcp.gateway.close();
        mcp.close();
        mcp = new McpTestServer(home.resolve("again"), List.of(files, echo, slow), GatewaySettings.defaults());
        String session = mcp.initialize(mcp.rootKey);
        HttpRequest call = HttpRequest.newBuilder(URI.create(mcp.url())).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + mcp.rootKey).header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"slow__wait",
                         "arguments":{"id":"http"},"_meta":{"progressToken":"tok-1"}}}""")).build();
        CompletableFuture<HttpResponse<Stream<String>>> pending = mcp.http.sendAsync(call, HttpResponse.BodyHandlers.ofLines());
        Iterator<String> lines = pending.get(10, TimeUnit.SECONDS).body().iterator();
        JsonNode progress = nextMessage(lines);
        assertThat(progress.path("method").asText()).isEqualTo("notifications/progress");
        assertThat(progress.path("params").path("progressToken").asText()).isEqualTo("tok-1");
        assertThat(progress.path("params").path("progress").asDouble()).isEqualTo(1.0);
        assertThat(progress.path("params").path("total").asDouble()).isEqualTo(10.0);

        HttpResponse<String> cancelled = mcp.post(mcp.rootKey, session, """
                {"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"call-7","reason":"test"}}""");
        assertThat(cancelled.statusCode()).isEqualTo(202);
        JsonNode answer = nextMessage(lines);
        assertThat(answer.path("id").asText()).isEqualTo("call-7");
        assertThat(answer.path("result").path("content").get(0).path("text").asText()).contains("cancelled");
        for (int i = 0; i < 500 && !slow.endings.containsKey("http"); i++) Thread.sleep(10);
        assertThat(slow.endings).containsKey("http");
        assertThat(AuditRecords.toolCalls(home.resolve("again"))).singleElement()
                .satisfies(r -> assertThat(r.path("outcome").asText()).isEqualTo("cancelled"));
    }

    private static JsonNode nextMessage(Iterator<String> lines) throws Exception {
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("data: ")) return McpTestServer.JSON.readTree(line.substring(6));
        }
        throw new AssertionError("the stream ended");
    }

    @Test
    void adminsManageThePolicyOverHttp() throws Exception {
        String base = mcp.server.baseUrl() + PolicyRoutes.PATH;
        HttpResponse<String> add = mcp.http.send(HttpRequest.newBuilder(URI.create(base))
                .header("Authorization", "Bearer " + mcp.rootKey).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"kind\":\"user\",\"subject\":\"alice\",\"pattern\":\"echo__*\",\"effect\":\"allow\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(add.statusCode()).isEqualTo(201);
        String session = mcp.initialize(mcp.aliceKey);
        assertThat(names(mcp.request(mcp.aliceKey, session, "tools/list", "{}", 1).getLast())).contains("echo__say");

        HttpResponse<String> byUser = mcp.http.send(HttpRequest.newBuilder(URI.create(base))
                .header("Authorization", "Bearer " + mcp.aliceKey).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(byUser.statusCode()).isEqualTo(403);
        HttpResponse<String> bad = mcp.http.send(HttpRequest.newBuilder(URI.create(base))
                .header("Authorization", "Bearer " + mcp.rootKey).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"kind\":\"user\",\"subject\":\"ghost\",\"pattern\":\"*\",\"effect\":\"allow\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);

        HttpResponse<String> remove = mcp.http.send(HttpRequest.newBuilder(URI.create(base
                        + "?kind=user&subject=alice&pattern=echo__*&effect=allow"))
                .header("Authorization", "Bearer " + mcp.rootKey).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(remove.statusCode()).isEqualTo(200);
        assertThat(names(mcp.request(mcp.aliceKey, session, "tools/list", "{}", 2).getLast())).doesNotContain("echo__say");
        assertThat(AuditRecords.read(home)).extracting(r -> r.path("action").asText())
                .contains("tool.policy.add", "tool.policy.remove");
    }
}
