package dev.bastion.mcp;

import dev.bastion.security.SecureFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each user's workspace, {@code BASTION_HOME/workspaces/<user>}: the only directory the built-in tools (and the web
 * app's uploads) read or write for that user.
 */
public final class Workspaces {

    private final Path root;

    public Workspaces(Path home) {
        this.root = home.resolve("workspaces");
    }

    /** The user's workspace, created owner-only on first use. User names are already validated by the security module. */
    public Path of(String userName) {
        if (userName.isEmpty() || userName.contains("/") || userName.contains("\\") || userName.startsWith(".")) {
            throw new IllegalArgumentException("not a workspace owner: " + userName);
        }
        Path workspace = root.resolve(userName);
        try {
            SecureFiles.createPrivateDirectories(workspace);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the workspace of " + userName, e);
        }
        return workspace;
    }
}
