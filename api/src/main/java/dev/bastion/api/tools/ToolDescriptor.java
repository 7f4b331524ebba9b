package dev.bastion.api.tools;

import com.fasterxml.jackson.databind.JsonNode;

/** A tool as a chat template sees it: full name ({@code namespace__tool}), description, JSON Schema of its arguments. */
public record ToolDescriptor(String name, String description, JsonNode inputSchema) {
}
