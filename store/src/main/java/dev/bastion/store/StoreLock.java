package dev.bastion.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes the store's writers, within this JVM (a file lock cannot be taken twice by one process) and across
 * processes (a CLI import while the server deletes). Readers need no lock: manifests are replaced atomically.
 */
final class StoreLock {
    /** One per lock file, shared by every store instance of this JVM on the same home. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final Path lockFile;

    StoreLock(Path lockFile) {
        this.lockFile = lockFile;
        this.local = LOCAL_LOCKS.computeIfAbsent(lockFile, f -> new ReentrantLock());
    }

    interface Held extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** Waits for the lock. */
    Held acquire() throws IOException {
        local.lock();
        return lockFile(true).orElseThrow();
    }

    /** Takes the lock only if no other thread or process holds it. */
    Optional<Held> tryAcquire() throws IOException {
        return local.tryLock() ? lockFile(false) : Optional.empty();
    }

    /** Called with the local lock held; releases it unless the file lock is returned. */
    private Optional<Held> lockFile(boolean wait) throws IOException {
        FileChannel channel = null;
        FileLock fileLock = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            fileLock = wait ? channel.lock() : tryLock(channel);
        } finally {
            if (fileLock == null) {
                try {
                    if (channel != null) channel.close();
                } finally {
                    local.unlock();
                }
            }
        }
        if (fileLock == null) return Optional.empty();
        FileChannel heldChannel = channel;
        FileLock heldLock = fileLock;
        return Optional.of(() -> {
            try (heldChannel) {
                heldLock.release();
            } finally {
                local.unlock();
            }
        });
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this thread already holds it through another store instance
        }
    }
}
