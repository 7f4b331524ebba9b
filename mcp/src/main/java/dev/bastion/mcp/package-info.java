/**
 * The MCP gateway: one registry of {@link dev.bastion.mcp.ToolSource}s (the built-in sandboxed tools and proxied upstream
 * MCP servers), each tool named {@code namespace__tool}, served over MCP (Streamable HTTP at {@code /mcp}, stdio) and
 * offered to the chat path as a {@link dev.bastion.api.tools.ToolGateway}, every call passing the caller's tool policy,
 * the rate limiter and the audit log.
 */
package dev.bastion.mcp;
