package dev.bastion.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A call's result in MCP's shape, kept as JSON so an upstream's content (text, image, resource links...) passes through
 * unchanged.
 *
 * @param content MCP content blocks
 * @param structuredContent MCP structured content, or null
 */
public record ToolResult(List<JsonNode> content, JsonNode structuredContent, boolean isError) {

    public ToolResult {
        content = List.copyOf(content);
    }

    public static ToolResult text(String text) {
        return new ToolResult(List.of(textBlock(text)), null, false);
    }

    public static ToolResult error(String message) {
        return new ToolResult(List.of(textBlock(message)), null, true);
    }

    /** The text blocks joined, as a chat model reads the result. */
    public String joinedText() {
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if ("text".equals(block.path("type").asText())) {
                if (!text.isEmpty()) text.append('\n');
                text.append(block.path("text").asText());
            }
        }
        return text.toString();
    }

    private static ObjectNode textBlock(String text) {
        ObjectNode block = JsonNodeFactory.instance.objectNode();
        block.put("type", "text");
        block.put("text", text);
        return block;
    }
}
