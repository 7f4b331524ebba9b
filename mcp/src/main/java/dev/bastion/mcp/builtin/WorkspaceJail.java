package dev.bastion.mcp.builtin;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;
import java.util.Objects;

/**
 * Walks a workspace by open directory handles ({@link SecureDirectoryStream}: {@code openat} with
 * {@code O_NOFOLLOW} for each component), so no component can be a symbolic link and a directory swapped for a link
 * after it was checked is never followed. Every descent compares the opened directory's identity (device, inode) with
 * the one checked.
 */
final class WorkspaceJail {

    static final String SYMLINK = "the path goes through a symbolic link, which the files tool does not follow";
    static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    static final java.util.Set<java.nio.file.OpenOption> READ_NOFOLLOW =
            java.util.Set.of(java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    static final java.util.Set<java.nio.file.OpenOption> CREATE_NOFOLLOW = java.util.Set.of(
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private final Path workspace;

    WorkspaceJail(Path workspace) {
        this.workspace = workspace.toAbsolutePath();
    }

    /** The workspace directory itself; refused if it is a symbolic link or not a directory. */
    SecureDirectoryStream<Path> openRoot() throws SandboxRefusal, IOException {
        BasicFileAttributes expected;
        try {
            expected = Files.readAttributes(workspace, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            throw new SandboxRefusal("your workspace does not exist");
        }
        if (!expected.isDirectory()) throw new SandboxRefusal("your workspace is not a directory");
        DirectoryStream<Path> stream = Files.newDirectoryStream(workspace);
        if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
            stream.close();
            throw new IOException("this platform offers no secure directory streams");
        }
        return sameOrClose(secure, expected.fileKey());
    }

    /** The directory at {@code path}, each component opened without following links. */
    SecureDirectoryStream<Path> openDirectory(WorkspacePath path) throws SandboxRefusal, IOException {
        SecureDirectoryStream<Path> current = openRoot();
        try {
            for (String name : path.components()) {
                SecureDirectoryStream<Path> next = descend(current, name);
                current.close();
                current = next;
            }
            return current;
        } catch (SandboxRefusal | IOException | RuntimeException e) {
            current.close();
            throw e;
        }
    }

    static SecureDirectoryStream<Path> descend(SecureDirectoryStream<Path> directory, String name)
            throws SandboxRefusal, IOException {
        PosixFileAttributes attributes = stat(directory, name);
        if (attributes == null) throw new SandboxRefusal("no such directory");
        if (attributes.isSymbolicLink()) throw new SandboxRefusal(SYMLINK);
        if (!attributes.isDirectory()) throw new SandboxRefusal("a component of the path is not a directory");
        return sameOrClose(directory.newDirectoryStream(name(name), NOFOLLOW), attributes.fileKey());
    }

    /**
     * Opens a file of {@code directory} for reading without following a link. The JDK reports a link met by
     * {@code O_NOFOLLOW} (ELOOP) as a plain IOException; it is a refusal like any other link.
     */
    static java.nio.channels.SeekableByteChannel openForReading(SecureDirectoryStream<Path> directory, String name)
            throws SandboxRefusal, IOException {
        try {
            return directory.newByteChannel(name(name), READ_NOFOLLOW);
        } catch (java.nio.file.FileSystemException e) {
            throw e;
        } catch (IOException e) {
            throw new SandboxRefusal(SYMLINK);
        }
    }

    /** The entry's own attributes ({@code fstatat} without following), or null if there is none. */
    static PosixFileAttributes stat(SecureDirectoryStream<Path> directory, String name) throws SandboxRefusal, IOException {
        try {
            return directory.getFileAttributeView(name(name), PosixFileAttributeView.class, NOFOLLOW).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The directory's own attributes (its {@code fstat}). */
    static BasicFileAttributes stat(SecureDirectoryStream<Path> directory) throws IOException {
        return directory.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
    }

    /**
     * The link count, read by path (the directory handles offer no {@code unix:nlink}); its (device, inode) must be
     * the entry's as read through the handles, else the path was changed meanwhile.
     */
    long linkCount(WorkspacePath path, Object expectedKey) throws SandboxRefusal, IOException {
        Path absolute = workspace;
        for (String component : path.components()) absolute = absolute.resolve(name(component));
        Map<String, Object> unix = Files.readAttributes(absolute, "unix:nlink,fileKey", NOFOLLOW);
        if (!Objects.equals(unix.get("fileKey"), expectedKey)) {
            throw new SandboxRefusal("the file changed while it was being checked; try again");
        }
        return ((Number) unix.get("nlink")).longValue();
    }

    /** A file name as a relative path; a name the platform cannot encode (e.g. under an ASCII locale) is refused. */
    static Path name(String name) throws SandboxRefusal {
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            throw new SandboxRefusal("a name in the path cannot be represented on this system");
        }
    }

    private static SecureDirectoryStream<Path> sameOrClose(SecureDirectoryStream<Path> opened, Object expectedKey)
            throws SandboxRefusal, IOException {
        try {
            if (!Objects.equals(stat(opened).fileKey(), expectedKey)) {
                throw new SandboxRefusal("a directory changed while it was being opened; try again");
            }
            return opened;
        } catch (SandboxRefusal | IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
    }
}
