/**
 * The built-in sandboxed tools: {@code files} ({@link dev.bastion.mcp.builtin.FilesTool}, confined to the calling
 * user's workspace) and {@code shell} ({@link dev.bastion.mcp.builtin.ShellTool}, allowlisted executables under process
 * limits). docs/mcp.md, "Built-in tools: files and shell", gives their threat model.
 */
package dev.bastion.mcp.builtin;
