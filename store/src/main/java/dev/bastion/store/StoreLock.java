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
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock;
            try {
                fileLock = wait ? channel.lock() : channel.tryLock();
            } catch (OverlappingFileLockException e) {
                if (wait) throw e;
                fileLock = null; // this thread already holds it through another store instance
            }
            if (fileLock == null) {
                channel.close();
                local.unlock();
                return Optional.empty();
            }
            FileChannel held = channel;
            FileLock heldLock = fileLock;
            return Optional.of(() -> {
                try (held) {
                    heldLock.release();
                } finally {
                    local.unlock();
                }
            });
        } catch (IOException | RuntimeException e) {
            if (channel != null) channel.close();
            local.unlock();
            throw e;
        }
    }
}
