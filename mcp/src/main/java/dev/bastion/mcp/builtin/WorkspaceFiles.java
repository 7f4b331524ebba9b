package dev.bastion.mcp.builtin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads, writes, lists and deletes inside one workspace through {@link WorkspaceJail}. Only regular files with a single
 * link are read or replaced (a hard link could be another name of a file outside); device files, FIFOs and sockets
 * never are. A write goes to an owner-only temporary file in the target's directory, is synced, then renamed over the
 * target ({@code renameat}, atomic), so a reader never sees half a file and a link at the target is replaced, never
 * written through. Public for the web app's uploads, which live in the same workspaces under the same quota.
 */
public final class WorkspaceFiles {

    static final String TEMP_PREFIX = ".bastion-write-";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** One writer per workspace at a time, so two writes cannot both pass the quota check. */
    private static final ConcurrentHashMap<Path, ReentrantLock> WRITE_LOCKS = new ConcurrentHashMap<>();

    private final Path workspace;
    private final WorkspaceJail jail;
    private final FilesLimits limits;

    public WorkspaceFiles(Path workspace, FilesLimits limits) {
        this.workspace = workspace.toAbsolutePath();
        this.jail = new WorkspaceJail(workspace);
        this.limits = limits;
    }

    public record Entry(String name, String type, long size) {
    }

    public record Listing(List<Entry> entries, boolean truncated) {
    }

    public byte[] read(WorkspacePath path) throws SandboxRefusal, IOException {
        if (path.isWorkspace()) throw new SandboxRefusal("give the path of a file to read");
        try (SecureDirectoryStream<Path> directory = jail.openDirectory(new WorkspacePath(path.parents()))) {
            PosixFileAttributes before = regularSingleLink(directory, path);
            if (before.size() > limits.maxReadBytes()) {
                throw new SandboxRefusal("the file is larger than the read limit of " + limits.maxReadBytes() + " bytes");
            }
            try (SeekableByteChannel channel = WorkspaceJail.openForReading(directory, path.leaf())) {
                // Re-checked after open: the name must still be the file that was checked (no swap in between).
                PosixFileAttributes after = WorkspaceJail.stat(directory, path.leaf());
                if (after == null || !Objects.equals(after.fileKey(), before.fileKey()) || !after.isRegularFile()) {
                    throw new SandboxRefusal("the file changed while it was being opened; try again");
                }
                return readAtMost(channel, limits.maxReadBytes());
            }
        }
    }

    /** Stores {@code content} at {@code path}, creating missing directories; returns whether the file existed. */
    public boolean write(WorkspacePath path, byte[] content) throws SandboxRefusal, IOException {
        return write(path, content, true);
    }

    /**
     * Stores {@code content} at {@code path} only if nothing is there yet (checked under the workspace's write lock);
     * returns false, writing nothing, when the name is taken.
     */
    public boolean create(WorkspacePath path, byte[] content) throws SandboxRefusal, IOException {
        return !write(path, content, false);
    }

    /** With {@code replace} false an existing entry is left alone and true returned. */
    private boolean write(WorkspacePath path, byte[] content, boolean replace) throws SandboxRefusal, IOException {
        if (path.isWorkspace()) throw new SandboxRefusal("give the path of a file to write");
        if (path.leaf().startsWith(TEMP_PREFIX)) throw new SandboxRefusal("names starting with " + TEMP_PREFIX + " are reserved");
        if (content.length > limits.maxWriteBytes()) {
            throw new SandboxRefusal("the content is larger than the write limit of " + limits.maxWriteBytes() + " bytes");
        }
        ReentrantLock lock = WRITE_LOCKS.computeIfAbsent(workspace, w -> new ReentrantLock());
        lock.lock();
        try (SecureDirectoryStream<Path> directory = openOrCreateDirectories(path.parents())) {
            PosixFileAttributes existing = WorkspaceJail.stat(directory, path.leaf());
            if (existing != null && !replace) return true;
            if (existing != null) regularSingleLink(directory, path);
            long usage = usage();
            long after = usage - (existing == null ? 0 : existing.size()) + content.length;
            if (after > limits.quotaBytes()) {
                throw new SandboxRefusal("the write would exceed your workspace quota of " + limits.quotaBytes()
                        + " bytes (" + usage + " bytes in use)");
            }
            Path temporary = Path.of(TEMP_PREFIX + HexFormat.of().formatHex(randomBytes()));
            try {
                try (FileChannel channel = (FileChannel) directory.newByteChannel(temporary,
                        WorkspaceJail.CREATE_NOFOLLOW,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                    ByteBuffer buffer = ByteBuffer.wrap(content);
                    while (buffer.hasRemaining()) channel.write(buffer);
                    channel.force(true);
                }
                directory.move(temporary, directory, WorkspaceJail.name(path.leaf()));
            } finally {
                try {
                    directory.deleteFile(temporary);
                } catch (java.nio.file.NoSuchFileException moved) {
                    // renamed into place
                }
            }
            return existing != null;
        } finally {
            lock.unlock();
        }
    }

    /** A directory's entries by name, at most {@code maxListEntries}. */
    public Listing list(WorkspacePath path) throws SandboxRefusal, IOException {
        List<Entry> entries = new ArrayList<>();
        boolean truncated = false;
        try (SecureDirectoryStream<Path> directory = jail.openDirectory(path)) {
            for (Path child : directory) {
                String name = child.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) continue;
                if (entries.size() >= limits.maxListEntries()) {
                    truncated = true;
                    break;
                }
                PosixFileAttributes attributes = WorkspaceJail.stat(directory, name);
                if (attributes != null) entries.add(new Entry(name, type(attributes), attributes.isRegularFile() ? attributes.size() : 0));
            }
        }
        entries.sort(java.util.Comparator.comparing(Entry::name));
        return new Listing(entries, truncated);
    }

    /**
     * Removes a file or an empty directory. A symbolic or hard link is removed itself ({@code unlinkat} follows
     * nothing), which only touches the workspace.
     */
    public void delete(WorkspacePath path) throws SandboxRefusal, IOException {
        if (path.isWorkspace()) throw new SandboxRefusal("the workspace itself cannot be deleted");
        try (SecureDirectoryStream<Path> directory = jail.openDirectory(new WorkspacePath(path.parents()))) {
            PosixFileAttributes attributes = WorkspaceJail.stat(directory, path.leaf());
            if (attributes == null) throw new SandboxRefusal("no such file or directory");
            if (attributes.isDirectory()) {
                try {
                    directory.deleteDirectory(WorkspaceJail.name(path.leaf()));
                } catch (DirectoryNotEmptyException e) {
                    throw new SandboxRefusal("the directory is not empty");
                }
            } else {
                directory.deleteFile(WorkspaceJail.name(path.leaf()));
            }
        }
    }

    /** Bytes held by the workspace's regular files (links not followed). */
    public long usage() throws SandboxRefusal, IOException {
        try (SecureDirectoryStream<Path> root = jail.openRoot()) {
            return usage(root, 0);
        }
    }

    private static long usage(SecureDirectoryStream<Path> directory, int depth) throws SandboxRefusal, IOException {
        long total = 0;
        for (Path child : directory) {
            String name = child.getFileName().toString();
            PosixFileAttributes attributes = WorkspaceJail.stat(directory, name);
            if (attributes == null) continue;
            if (attributes.isRegularFile()) {
                total += attributes.size();
            } else if (attributes.isDirectory() && depth < 256) {
                try (SecureDirectoryStream<Path> sub = WorkspaceJail.descend(directory, name)) {
                    total += usage(sub, depth + 1);
                } catch (SandboxRefusal raced) {
                    // replaced while walking: not counted
                }
            }
        }
        return total;
    }

    private SecureDirectoryStream<Path> openOrCreateDirectories(List<String> parents) throws SandboxRefusal, IOException {
        SecureDirectoryStream<Path> current = jail.openRoot();
        Path absolute = workspace;
        try {
            for (String name : parents) {
                absolute = absolute.resolve(WorkspaceJail.name(name));
                if (WorkspaceJail.stat(current, name) == null) {
                    if (name.startsWith(TEMP_PREFIX)) throw new SandboxRefusal("names starting with " + TEMP_PREFIX + " are reserved");
                    // No mkdirat behind SecureDirectoryStream: created by path, then opened (and checked) by handle.
                    try {
                        java.nio.file.Files.createDirectory(absolute,
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    } catch (FileAlreadyExistsException concurrent) {
                        // made meanwhile; descend checks what it is
                    }
                }
                SecureDirectoryStream<Path> next = WorkspaceJail.descend(current, name);
                current.close();
                current = next;
            }
            return current;
        } catch (SandboxRefusal | IOException | RuntimeException e) {
            current.close();
            throw e;
        }
    }

    private PosixFileAttributes regularSingleLink(SecureDirectoryStream<Path> directory, WorkspacePath path)
            throws SandboxRefusal, IOException {
        PosixFileAttributes attributes = WorkspaceJail.stat(directory, path.leaf());
        if (attributes == null) throw new SandboxRefusal("no such file");
        if (attributes.isSymbolicLink()) throw new SandboxRefusal(WorkspaceJail.SYMLINK);
        if (attributes.isDirectory()) throw new SandboxRefusal("the path is a directory");
        if (!attributes.isRegularFile()) {
            throw new SandboxRefusal("the path is a device file, FIFO or socket, which the files tool does not open");
        }
        if (jail.linkCount(path, attributes.fileKey()) > 1) {
            throw new SandboxRefusal("the file has other hard links, which could lead outside the workspace");
        }
        return attributes;
    }

    static String type(PosixFileAttributes attributes) {
        if (attributes.isRegularFile()) return "file";
        if (attributes.isDirectory()) return "directory";
        if (attributes.isSymbolicLink()) return "symlink";
        return "other";
    }

    /** Reads at most {@code max} bytes; a file that grew past the cap since it was checked is refused. */
    private static byte[] readAtMost(SeekableByteChannel channel, long max) throws SandboxRefusal, IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (channel.read(buffer.clear()) > 0) {
            out.write(buffer.array(), 0, buffer.position());
            if (out.size() > max) throw new SandboxRefusal("the file is larger than the read limit of " + max + " bytes");
        }
        return out.toByteArray();
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
