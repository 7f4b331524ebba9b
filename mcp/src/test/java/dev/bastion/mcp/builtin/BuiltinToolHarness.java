package dev.bastion.mcp.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.mcp.ProgressSink;
import dev.bastion.mcp.ToolInvocation;
import dev.bastion.mcp.ToolResult;
import dev.bastion.mcp.ToolSource;
import dev.bastion.mcp.ToolUser;
import dev.bastion.security.Role;

import java.nio.file.Path;

/** Calls a built-in tool as a user whose workspace is {@code workspace}, with arguments written as JSON. */
final class BuiltinToolHarness {

    static final ObjectMapper JSON = new ObjectMapper();

    private BuiltinToolHarness() {
    }

    static ToolResult call(ToolSource source, Path workspace, String tool, String argumentsJson) throws Exception {
        return call(source, workspace, tool, JSON.readTree(argumentsJson), new CancellationToken());
    }

    static ToolResult call(ToolSource source, Path workspace, String tool, JsonNode arguments, CancellationToken cancel)
            throws Exception {
        ToolUser user = new ToolUser(7, "alice", Role.USER, workspace);
        return source.call(new ToolInvocation(user, tool, arguments, "req-test", ProgressSink.NONE, cancel));
    }

    /** An arguments object, built from alternating names and values (so a test can put any string in). */
    static JsonNode args(Object... namesAndValues) {
        var node = JSON.createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            node.set((String) namesAndValues[i], JSON.valueToTree(namesAndValues[i + 1]));
        }
        return node;
    }
}
