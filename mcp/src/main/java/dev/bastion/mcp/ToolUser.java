package dev.bastion.mcp;

import dev.bastion.security.Role;

import java.nio.file.Path;

/** The user a tool runs for: the sandbox's owner. {@code workspace} is the only directory the built-in tools touch. */
public record ToolUser(long userId, String name, Role role, Path workspace) {
}
