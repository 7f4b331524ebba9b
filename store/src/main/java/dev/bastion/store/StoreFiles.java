package dev.bastion.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

/** File-system primitives of the store: owner-only directories, durable atomic writes, containment checks. */
final class StoreFiles {
    static final String TEMP_PREFIX = "tmp-";
    static final String HIDDEN_TEMP_PREFIX = ".tmp-";

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private StoreFiles() {}

    /** Creates {@code dir} and missing parents; directories created here are readable by the owner only. */
    static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        Path parent = dir.getParent();
        if (parent != null) createPrivateDirectories(parent);
        try {
            if (POSIX) Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            else Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + " exists and is not a directory", e);
        }
    }

    /** Writes {@code data} to a hidden temp file next to {@code target}, syncs it, then renames it over target. */
    static void writeAtomically(Path target, byte[] data) throws IOException {
        Path temp = target.resolveSibling(HIDDEN_TEMP_PREFIX + UUID.randomUUID());
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) out.write(buffer);
                out.force(true);
            }
            moveAtomically(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(target.getParent());
    }

    static void moveAtomically(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes a rename durable; not every platform can open a directory, which is then left to the OS. */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open directories; the rename itself is still atomic.
        }
    }

    /** Second line of defence behind {@link ModelName}'s grammar: the path must stay under {@code root}. */
    static Path contained(Path root, Path path) {
        Path normalized = path.toAbsolutePath().normalize();
        if (!normalized.startsWith(root)) {
            throw new IllegalArgumentException("path " + path + " escapes the store root " + root);
        }
        return normalized;
    }

    static void makeReadOnly(Path file) throws IOException {
        if (POSIX) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        else file.toFile().setReadOnly();
    }

    /** The file's size, or 0 once it is gone. */
    static long sizeOrZero(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
