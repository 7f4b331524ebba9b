package dev.bastion.mcp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolUser;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.policy.PolicyRule;
import dev.bastion.mcp.testing.AuditRecords;
import dev.bastion.mcp.testing.TestSources;
import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class McpGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    SecurityServices security;
    TestSources.Echo echo = new TestSources.Echo();
    TestSources.Echo files = new TestSources.Echo("files");
    TestSources.Slow slow = new TestSources.Slow();
    McpGateway gateway;
    ToolUser alice;
    ToolUser root;

    @BeforeEach
    void open() {
        security = SecurityServices.open(home, Map.of());
        alice = user(security.users().create("alice", Role.USER));
        root = user(security.users().create("root", Role.ADMIN));
        gateway = gateway(GatewaySettings.defaults().withCallTimeout(Duration.ofMillis(500)));
    }

    private McpGateway gateway(GatewaySettings settings) {
        return McpGateways.create(security, List.of(echo, files, slow), settings);
    }

    private ToolUser user(User user) {
        return new ToolUser(user.id(), user.name(), user.role(), new Workspaces(home).of(user.name()));
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private static CallContext context(String requestId) {
        return new CallContext(requestId, "test", null, null);
    }

    private static ObjectNode args(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void listsOnlyWhatThePolicyAllows() {
        assertThat(gateway.list(alice)).extracting(McpGateway.ListedTool::fullName)
                .containsExactlyInAnyOrder("files__fail", "files__read", "files__say");
        assertThat(gateway.list(root)).extracting(McpGateway.ListedTool::fullName)
                .contains("echo__say", "files__read", "slow__wait");
        gateway.policy().add(PolicyRule.of(PolicyRule.Kind.USER, "alice", "echo__say", PolicyRule.Effect.ALLOW));
        assertThat(gateway.list(alice)).extracting(McpGateway.ListedTool::fullName).contains("echo__say")
                .doesNotContain("echo__fail");
    }

    @Test
    void aCallReachesItsSourceAndIsAuditedWithTheArgumentsHash() throws Exception {
        ToolResult result = gateway.call(alice, "files__say", args("{\"text\":\"hi\",\"b\":[1,{\"y\":1,\"x\":2}]}"), context("r-1"));
        assertThat(result.isError()).isFalse();
        assertThat(result.joinedText()).isEqualTo("files:say:hi:alice");
        assertThat(files.received).singleElement().satisfies(i -> {
            assertThat(i.user()).isEqualTo(alice);
            assertThat(i.requestId()).isEqualTo("r-1");
        });
        gateway.call(alice, "files__say", args("{\"b\":[1,{\"x\":2,\"y\":1}],\"text\":\"hi\"}"), context("r-2"));
        gateway.call(alice, "files__say", args("{\"text\":\"other\"}"), context("r-3"));
        List<JsonNode> records = AuditRecords.toolCalls(home);
        assertThat(records).hasSize(3);
        JsonNode first = records.getFirst();
        assertThat(first.path("actor").asText()).isEqualTo("alice");
        assertThat(first.path("target").asText()).isEqualTo("files__say");
        assertThat(first.path("outcome").asText()).isEqualTo("success");
        assertThat(first.path("request_id").asText()).isEqualTo("r-1");
        assertThat(first.path("details").path("duration_ms").asLong()).isNotNegative();
        String hash = first.path("details").path("arguments_sha256").asText();
        assertThat(hash).matches("[0-9a-f]{64}");
        assertThat(records.get(1).path("details").path("arguments_sha256").asText())
                .as("key order does not change the canonical form").isEqualTo(hash);
        assertThat(records.get(2).path("details").path("arguments_sha256").asText()).isNotEqualTo(hash);
        assertThat(first.toString()).doesNotContain("\"hi\"");
    }

    @Test
    void nameTricksAreUnknownToolsAndAudited() throws Exception {
        List<String> tricks = List.of("FILES__read", "files___read", "files__read ", " files__read", "files__re\u0430d",
                "fil\u0435s__read", "files_read", "files", "files__", "__read", "files__read\u0000", "files/../echo__say",
                "files__read__", "files__READ", "echo__say", "nope__read", "x".repeat(5000));
        for (String name : tricks) {
            assertThatThrownBy(() -> gateway.call(alice, name, args("{}"), context(null)))
                    .as(name).isInstanceOfSatisfying(ToolRefusal.class, r -> {
                        assertThat(r.reason()).isEqualTo(ToolRefusal.Reason.UNKNOWN_TOOL);
                        assertThat(r.getMessage()).startsWith("Unknown tool: ").doesNotContain("\u0000", "\u0430");
                    });
        }
        assertThat(files.received).isEmpty();
        assertThat(echo.received).isEmpty();
        List<JsonNode> records = AuditRecords.toolCalls(home);
        assertThat(records).hasSize(tricks.size()).allSatisfy(r -> {
            assertThat(r.path("outcome").asText()).isEqualTo("denied");
            assertThat(r.path("actor").asText()).isEqualTo("alice");
        });
        assertThat(records.get(4).path("target").asText()).isEqualTo("files__re\\u0430d");
        assertThat(records.getLast().path("target").asText().length()).isLessThan(200);
    }

    @Test
    void aHiddenToolAnswersExactlyLikeAnUnknownOne() throws Exception {
        String hidden = messageOf("echo__say");
        String unknown = messageOf("zzz__say");
        assertThat(hidden).isEqualTo("Unknown tool: echo__say");
        assertThat(unknown).isEqualTo("Unknown tool: zzz__say");
        assertThat(echo.received).isEmpty();
    }

    private String messageOf(String name) {
        try {
            gateway.call(alice, name, JSON.createObjectNode(), context(null));
            throw new AssertionError("expected a refusal");
        } catch (ToolRefusal refusal) {
            assertThat(refusal.reason()).isEqualTo(ToolRefusal.Reason.UNKNOWN_TOOL);
            return refusal.getMessage();
        }
    }

    @Test
    void hugeAndDeeplyNestedArgumentsAreRefusedCleanly() throws Exception {
        ObjectNode huge = JSON.createObjectNode().put("text", "x".repeat(2 << 20));
        assertThatThrownBy(() -> gateway.call(alice, "files__say", huge, context(null)))
                .isInstanceOfSatisfying(ToolRefusal.class, r -> {
                    assertThat(r.reason()).isEqualTo(ToolRefusal.Reason.INVALID_ARGUMENTS);
                    assertThat(r.getMessage()).contains("exceed");
                });
        ObjectNode deep = JSON.createObjectNode();
        ObjectNode level = deep;
        for (int i = 0; i < 200_000; i++) level = level.putObject("a");
        assertThatThrownBy(() -> gateway.call(alice, "files__say", deep, context(null)))
                .isInstanceOfSatisfying(ToolRefusal.class, r -> assertThat(r.getMessage()).contains("nested"));
        assertThatThrownBy(() -> gateway.call(alice, "files__say", JSON.createArrayNode(), context(null)))
                .isInstanceOfSatisfying(ToolRefusal.class, r -> assertThat(r.getMessage()).contains("JSON object"));
        assertThat(files.received).isEmpty();
        assertThat(AuditRecords.toolCalls(home)).hasSize(3).allSatisfy(r -> {
            assertThat(r.path("outcome").asText()).isEqualTo("invalid");
            assertThat(r.path("target").asText()).isEqualTo("files__say");
        });
        // At the cap's edge: 32 levels pass.
        ObjectNode ok = JSON.createObjectNode();
        level = ok;
        for (int i = 0; i < 31; i++) level = level.putObject("a");
        assertThat(gateway.call(alice, "files__say", ok, context(null)).isError()).isFalse();
    }

    @Test
    void aSourceOffersToolsPerUserAndAnUnofferedOneIsUnknown() throws Exception {
        TestSources.Echo perUser = new TestSources.Echo("peruser") {
            @Override
            public List<dev.bastion.mcp.ToolSpec> tools(ToolUser user) {
                return user.name().equals("root") ? tools() : tools().subList(0, 1);
            }
        };
        gateway.close();
        gateway = McpGateways.create(security, List.of(perUser), GatewaySettings.defaults());
        gateway.policy().add(PolicyRule.of(PolicyRule.Kind.ROLE, "user", "peruser__*", PolicyRule.Effect.ALLOW));
        assertThat(gateway.list(alice)).extracting(McpGateway.ListedTool::fullName).containsExactly("peruser__say");
        assertThat(gateway.list(root)).hasSize(3);
        assertThatThrownBy(() -> gateway.call(alice, "peruser__read", args("{}"), context(null)))
                .isInstanceOfSatisfying(ToolRefusal.class, r -> assertThat(r.getMessage()).isEqualTo("Unknown tool: peruser__read"));
        assertThat(gateway.call(root, "peruser__read", args("{}"), context(null)).isError()).isFalse();
        assertThat(perUser.received).hasSize(1);
    }

    @Test
    void aFailingSourceIsAnErrorResultAndAudited() throws Exception {
        ToolResult result = gateway.call(alice, "files__fail", JSON.createObjectNode(), context(null));
        assertThat(result.isError()).isTrue();
        assertThat(result.joinedText()).isEqualTo("the echo upstream is down");
        assertThat(AuditRecords.toolCalls(home)).singleElement()
                .satisfies(r -> assertThat(r.path("outcome").asText()).isEqualTo("failure"));
    }

    @Test
    void aHangingToolTimesOutAndIsInterrupted() throws Exception {
        long started = System.nanoTime();
        ToolResult result = gateway.call(root, "slow__hang", args("{\"id\":\"h\"}"), context(null));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(400L, 5_000L);
        assertThat(result.isError()).isTrue();
        assertThat(result.joinedText()).contains("timed out");
        awaitEnding("h");
        assertThat(slow.endings).containsEntry("h", "interrupted");
        assertThat(AuditRecords.toolCalls(home)).singleElement()
                .satisfies(r -> assertThat(r.path("outcome").asText()).isEqualTo("timeout"));
    }

    @Test
    void cancellationStopsTheCallAndReportsProgressFirst() throws Exception {
        gateway.close();
        gateway = gateway(GatewaySettings.defaults());
        CancellationToken cancel = new CancellationToken();
        List<String> progress = new ArrayList<>();
        CallContext context = new CallContext("c-1", "test", (done, total, message) -> progress.add(done + "/" + total + " " + message), cancel);
        CompletableFuture<ToolResult> call = CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.call(root, "slow__wait", args("{\"id\":\"w\"}"), context);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(slow.started.await(5, TimeUnit.SECONDS)).isTrue();
        cancel.cancel();
        ToolResult result = call.get(5, TimeUnit.SECONDS);
        assertThat(result.isError()).isTrue();
        assertThat(result.joinedText()).contains("cancelled");
        assertThat(progress).containsExactly("1.0/10.0 started");
        awaitEnding("w");
        assertThat(AuditRecords.toolCalls(home)).singleElement()
                .satisfies(r -> assertThat(r.path("outcome").asText()).isEqualTo("cancelled"));
    }

    @Test
    void callsAreRateLimitedPerUserAndRefusalsAudited() throws Exception {
        gateway.close();
        gateway = gateway(GatewaySettings.defaults().withCallsPerWindow(2));
        gateway.call(alice, "files__say", args("{}"), context(null));
        gateway.call(alice, "files__say", args("{}"), context(null));
        assertThatThrownBy(() -> gateway.call(alice, "files__say", args("{}"), context(null)))
                .isInstanceOfSatisfying(ToolRefusal.class, r -> assertThat(r.reason()).isEqualTo(ToolRefusal.Reason.RATE_LIMITED));
        assertThat(gateway.call(root, "files__say", args("{}"), context(null)).isError()).as("another user's budget").isFalse();
        assertThat(files.received).hasSize(3);
        assertThat(AuditRecords.toolCalls(home)).extracting(r -> r.path("outcome").asText())
                .containsExactly("success", "success", "rate_limited", "success");
    }

    @Test
    void theAuditChainStaysValid() throws Exception {
        gateway.call(alice, "files__say", args("{}"), context(null));
        assertThatThrownBy(() -> gateway.call(alice, "FILES__say", args("{}"), context(null))).isInstanceOf(ToolRefusal.class);
        assertThat(security.verifyAudit().ok()).isTrue();
    }

    private void awaitEnding(String id) throws InterruptedException {
        for (int i = 0; i < 500 && !slow.endings.containsKey(id); i++) Thread.sleep(10);
    }
}
