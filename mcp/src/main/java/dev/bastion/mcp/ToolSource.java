package dev.bastion.mcp;

import java.util.List;

/**
 * One namespace of tools: a built-in family ({@code files}, {@code shell}, {@code docker}) or a registered upstream MCP
 * server. The gateway prefixes each tool's name with the namespace and applies policy, rate limits and audit before
 * {@link #call} is reached, so a source only enforces its own sandbox.
 */
public interface ToolSource extends AutoCloseable {

    /** The namespace, matching {@link ToolNames#NAMESPACE}. */
    String namespace();

    /** The tools this source offers now, by their names within the namespace (an upstream's list may change). */
    List<ToolSpec> tools();

    /**
     * The tools {@code user} may be shown, before tool policy: a source whose offer depends on the user (docker's
     * start/stop/restart exist only for users an admin granted them) narrows {@link #tools()} here. {@code tools/list}
     * and the chat path list these.
     */
    default List<ToolSpec> tools(ToolUser user) {
        return tools();
    }

    /**
     * Runs one call. Bad arguments and sandbox refusals are a result with {@code isError} set (the model can read it
     * and try again); a {@link ToolException} is for calls that could not be made at all.
     */
    ToolResult call(ToolInvocation invocation) throws ToolException;

    @Override
    default void close() {
    }
}
