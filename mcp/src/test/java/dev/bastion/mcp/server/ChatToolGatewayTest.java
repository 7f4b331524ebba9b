package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.api.Caller;
import dev.bastion.api.tools.ToolDescriptor;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.tools.ToolOutcome;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.gateway.GatewaySettings;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.mcp.testing.AuditRecords;
import dev.bastion.mcp.testing.TestSources;
import dev.bastion.security.Principal;
import dev.bastion.security.Role;
import dev.bastion.security.Scope;
import dev.bastion.security.SecurityServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chat path's view of the gateway, and the in-process factory. */
class ChatToolGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    SecurityServices security;
    TestSources.Echo files = new TestSources.Echo("files");
    McpGateway gateway;
    ToolGateway chat;
    Principal alice;

    @BeforeEach
    void open() {
        McpScopes.define();
        security = SecurityServices.open(home, Map.of());
        security.users().create("alice", Role.USER);
        alice = security.keys().authenticate(security.keys().create("alice", Set.of(Scope.MODELS_USE, McpScopes.TOOLS_USE),
                null, null).secret()).orElseThrow();
        gateway = McpGateways.create(security, List.of(files, new TestSources.Echo()), GatewaySettings.defaults());
        chat = new McpServerModule(security, gateway, "test").toolGateway().orElseThrow();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    @Test
    void aCallerWithToolsUseGetsTheirPolicysToolsAndCallsAreAudited() throws Exception {
        Caller caller = new Caller("alice", "chat-req-1", alice);
        assertThat(chat.toolsFor(caller)).extracting(ToolDescriptor::name)
                .containsExactlyInAnyOrder("files__say", "files__fail", "files__read");
        ToolOutcome ok = chat.call(caller, "files__say", JSON.readTree("{\"text\":\"hey\"}"), new CancellationToken());
        assertThat(ok).isEqualTo(ToolOutcome.ok("files:say:hey:alice"));
        assertThat(files.received.getFirst().user().workspace()).isEqualTo(home.resolve("workspaces/alice"));
        assertThat(Files.isDirectory(home.resolve("workspaces/alice"))).isTrue();
        ToolOutcome hidden = chat.call(caller, "echo__say", JSON.createObjectNode(), new CancellationToken());
        assertThat(hidden).isEqualTo(ToolOutcome.error("Unknown tool: echo__say"));
        assertThat(AuditRecords.toolCalls(home)).extracting(r -> r.path("details").path("transport").asText()
                + " " + r.path("request_id").asText() + " " + r.path("outcome").asText())
                .containsExactly("chat chat-req-1 success", "chat chat-req-1 denied");
    }

    @Test
    void withoutToolsUseOrAnAccountThereAreNoTools() throws Exception {
        Principal modelsOnly = security.keys().authenticate(security.keys().create("alice", Set.of(Scope.MODELS_USE),
                null, null).secret()).orElseThrow();
        for (Caller caller : List.of(new Caller("alice", "r", modelsOnly), new Caller("alice", "r"), Caller.ANONYMOUS)) {
            assertThat(chat.toolsFor(caller)).isEmpty();
            assertThat(chat.call(caller, "files__say", JSON.createObjectNode(), new CancellationToken()).isError()).isTrue();
        }
        assertThat(files.received).isEmpty();
    }

    @Test
    void noToolRunsWhenItsAuditRecordCannotBeWritten() throws Exception {
        McpGateway unrecorded = new McpGateway(gateway.sources(), gateway.policy(),
                security.audit().withFreeSpaceProbe(path -> 0), new dev.bastion.security.SlidingWindowRateLimiter(),
                GatewaySettings.defaults());
        ToolOutcome refused = new ChatToolGateway(unrecorded, new dev.bastion.mcp.Workspaces(home))
                .call(new Caller("alice", "r", alice), "files__say", JSON.createObjectNode(), new CancellationToken());
        assertThat(refused.isError()).isTrue();
        assertThat(refused.text()).isEqualTo("the audit log cannot be written; no tool runs").doesNotContain(home.toString());
        assertThat(files.received).isEmpty();
        unrecorded.close();
    }

    @Test
    void theInProcessFactoryActsAsAnExistingEnabledUser() throws Exception {
        try (McpGateways.Local local = McpGateways.local(home, Map.of(), "alice", List.of(new TestSources.Echo("files")))) {
            assertThat(local.user().name()).isEqualTo("alice");
            assertThat(local.gateway().call(local.user(), "files__say", JSON.createObjectNode(),
                    new dev.bastion.mcp.gateway.CallContext("run-1", "run", null, null)).joinedText()).isEqualTo("files:say::alice");
        }
        assertThatThrownBy(() -> McpGateways.local(home, Map.of(), "ghost", List.of())).hasMessageContaining("no user named");
        security.users().create("bob", Role.USER);
        security.users().disable("bob");
        assertThatThrownBy(() -> McpGateways.local(home, Map.of(), "bob", List.of())).hasMessageContaining("disabled");
    }
}
