package dev.bastion.mcp.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.Caller;
import dev.bastion.api.tools.ToolDescriptor;
import dev.bastion.api.tools.ToolGateway;
import dev.bastion.api.tools.ToolOutcome;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.McpScopes;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolUser;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.gateway.CallContext;
import dev.bastion.mcp.gateway.McpGateway;
import dev.bastion.mcp.gateway.McpGateways;
import dev.bastion.mcp.gateway.ToolRefusal;
import dev.bastion.security.Principal;

import java.util.List;

/**
 * The gateway as the chat path sees it: the same policy, limits and audit as MCP clients get. The caller's key must
 * carry {@code tools:use}, as for {@code /mcp}; a caller without an authenticated account has no tools.
 */
public final class ChatToolGateway implements ToolGateway {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChatToolGateway.class);

    private final McpGateway gateway;
    private final Workspaces workspaces;

    public ChatToolGateway(McpGateway gateway, Workspaces workspaces) {
        this.gateway = gateway;
        this.workspaces = workspaces;
    }

    @Override
    public List<ToolDescriptor> toolsFor(Caller caller) {
        ToolUser user = user(caller);
        if (user == null) return List.of();
        return gateway.list(user).stream()
                .map(t -> new ToolDescriptor(t.fullName(), t.spec().description(), t.spec().inputSchema())).toList();
    }

    @Override
    public ToolOutcome call(Caller caller, String name, JsonNode arguments, CancellationToken cancel) {
        ToolUser user = user(caller);
        if (user == null) return ToolOutcome.error("Unknown tool: " + name);
        try {
            ToolResult result = gateway.call(user, name, arguments,
                    new CallContext(caller.requestId(), "chat", null, cancel));
            return new ToolOutcome(result.isError(), result.joinedText());
        } catch (ToolRefusal refusal) {
            return ToolOutcome.error(refusal.getMessage());
        } catch (RuntimeException e) {
            // e.g. the audit log became unwritable: logged with its details, the model only learns that it failed
            LOG.error("tool call {} failed", name, e);
            return ToolOutcome.error("the tool call failed");
        }
    }

    private ToolUser user(Caller caller) {
        Principal account = caller.account();
        if (account == null) return null;
        if (account != Principal.LOCAL_OPERATOR && !account.has(McpScopes.TOOLS_USE)) return null;
        return McpGateways.user(account, workspaces);
    }
}
