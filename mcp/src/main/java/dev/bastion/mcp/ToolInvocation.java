package dev.bastion.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.generate.CancellationToken;

/**
 * One call as a source receives it, after policy allowed it.
 *
 * @param tool the name within the source's namespace
 * @param arguments the call's arguments (an object node, possibly empty; never null)
 * @param requestId the request id the call is audited under
 * @param progress where progress notifications go (to the MCP client that asked for them, or nowhere)
 * @param cancel set when the client cancels or the gateway's timeout expires
 */
public record ToolInvocation(ToolUser user, String tool, JsonNode arguments, String requestId,
                             ProgressSink progress, CancellationToken cancel) {
}
