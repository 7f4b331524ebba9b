package dev.bastion.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only files for secrets. */
public final class SecureFiles {

    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private SecureFiles() {
    }

    /** Attributes making a new file owner-only (0600), or none on file systems without POSIX permissions. */
    public static FileAttribute<?>[] ownerOnlyFile() {
        return posix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)} : new FileAttribute<?>[0];
    }

    /** Creates a directory (and parents) that only the owner can enter (0700) if it does not exist yet. */
    public static Path createPrivateDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return directory;
        }
        Path parent = directory.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (posix()) {
            return Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        }
        return Files.createDirectories(directory);
    }

    /**
     * Makes {@code file} owner-only (0600): created so if missing, tightened if it exists with wider permissions (an
     * older install, or a file created under the default umask).
     */
    public static void createOrRestrictOwnerOnly(Path file) throws IOException {
        refuseSymbolicLink(file);
        try {
            Files.createFile(file, ownerOnlyFile());
        } catch (FileAlreadyExistsException exists) {
            restrictToOwner(file);
        }
    }

    /** Tightens an existing file to 0600 if it is wider; a missing file is left missing. */
    public static void restrictToOwner(Path file) throws IOException {
        refuseSymbolicLink(file);
        if (posix() && Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                && !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(OWNER_READ_WRITE)) {
            Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
        }
    }

    /**
     * Refuses a secret file that is a symbolic link: someone able to plant one in BASTION_HOME would otherwise get its
     * target chmodded, read or overwritten by the server.
     */
    public static void refuseSymbolicLink(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw new FileSystemException(file.toString(), null, "is a symbolic link; refusing to use it");
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Creates {@code file} (which must not exist) with permissions 0600 and {@code content}: written and fsynced in an
     * owner-only temporary file first, then published by a hard link, which fails if {@code file} exists. So the file
     * is never readable by others, and another process never sees it empty or half-written.
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists (possibly created concurrently)
     */
    public static void writeNewOwnerOnly(Path file, byte[] content) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp", ownerOnlyFile());
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.createLink(file, temporary);
            } catch (UnsupportedOperationException noHardLinks) {
                Files.move(temporary, file); // without REPLACE_EXISTING: still refuses an existing file
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
