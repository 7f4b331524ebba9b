package dev.bastion.mcp.server;

import dev.bastion.mcp.ToolUser;
import io.modelcontextprotocol.common.McpTransportContext;

import java.util.Map;

/**
 * Who sent one MCP message, as the transport puts it into the SDK's transport context for the handlers.
 *
 * @param requestId the request id the call is audited under (the HTTP request's, or one per stdio message)
 * @param rpcId the JSON-RPC id of the request, which a {@code notifications/cancelled} names; null for notifications
 */
record McpCaller(ToolUser user, String requestId, Object rpcId, String transport) {

    static final String KEY = "bastion.mcpCaller";

    McpTransportContext context() {
        return McpTransportContext.create(Map.of(KEY, this));
    }

    static McpCaller of(McpTransportContext context) {
        return context.get(KEY) instanceof McpCaller caller ? caller : null;
    }
}
