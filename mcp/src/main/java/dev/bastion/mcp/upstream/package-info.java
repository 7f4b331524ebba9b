/**
 * Upstream MCP servers registered by an admin ({@link dev.bastion.mcp.upstream.UpstreamRegistry}), each run as a
 * {@link dev.bastion.mcp.upstream.UpstreamSource} in the gateway's {@link dev.bastion.mcp.ToolSources} under its name,
 * by {@link dev.bastion.mcp.upstream.Upstreams}; {@link dev.bastion.mcp.upstream.UpstreamRoutes} is the admin API.
 */
package dev.bastion.mcp.upstream;
