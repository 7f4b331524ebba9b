package dev.bastion.mcp;

import dev.bastion.security.SecureFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Each user's workspace, {@code BASTION_HOME/workspaces/<user>}: the only directory the built-in tools (and the web
 * app's uploads) read or write for that user. The root {@code workspaces/} is owner-only (0700, tightened if wider);
 * neither it nor a workspace may be a symbolic link, which would move a user's sandbox anywhere.
 */
public final class Workspaces {

    private final Path root;

    public Workspaces(Path home) {
        this.root = home.toAbsolutePath().resolve("workspaces");
    }

    /** The user's workspace, created owner-only on first use. User names are already validated by the security module. */
    public Path of(String userName) {
        if (userName == null || userName.isEmpty() || userName.contains("/") || userName.contains("\\")
                || userName.startsWith(".") || userName.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a workspace owner: " + userName);
        }
        Path workspace = root.resolve(userName);
        try {
            privateDirectory(root);
            privateDirectory(workspace);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the workspace of " + userName, e);
        }
        return workspace;
    }

    private static void privateDirectory(Path directory) throws IOException {
        if (Files.isSymbolicLink(directory)) {
            throw new FileSystemException(directory.getFileName().toString(), null, "is a symbolic link; refusing to use it as a workspace");
        }
        SecureFiles.createPrivateDirectories(directory);
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(directory.getFileName().toString(), null, "is not a directory");
        }
        if (Files.getFileStore(directory).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
