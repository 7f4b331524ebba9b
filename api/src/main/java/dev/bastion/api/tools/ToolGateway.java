package dev.bastion.api.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.api.Caller;
import dev.bastion.engine.generate.CancellationToken;

import java.util.List;

/**
 * The tools the server itself can run for a chat (server-side tool execution), offered by a {@link
 * dev.bastion.api.ServerModule} such as the MCP gateway. The api module only knows this contract: who may call what,
 * auditing and sandboxing are the implementation's business.
 */
public interface ToolGateway {

    /** The tools this caller may call, by their full (namespaced) names; never one the caller's policy denies. */
    List<ToolDescriptor> toolsFor(Caller caller);

    /**
     * Runs one tool call for the caller. A refusal (policy, sandbox, timeout, a failing upstream) is an outcome with
     * {@code isError} set and a message safe to show the model and the user, not an exception.
     */
    ToolOutcome call(Caller caller, String name, JsonNode arguments, CancellationToken cancel);
}
