package dev.bastion.mcp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool as MCP describes it, named within its source's namespace.
 *
 * @param inputSchema the JSON Schema of the arguments (an object schema)
 * @param annotations MCP tool annotations (readOnlyHint, destructiveHint, ...), or null
 */
public record ToolSpec(String name, String description, JsonNode inputSchema, JsonNode annotations) {
}
