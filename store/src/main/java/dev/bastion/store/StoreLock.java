package dev.bastion.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes the store's writers, within this JVM (a file lock cannot be taken twice by one process) and across
 * processes (a CLI import while the server deletes). Readers need no lock: manifests are replaced atomically.
 */
final class StoreLock {
    private final ReentrantLock local = new ReentrantLock();
    private final Path lockFile;

    StoreLock(Path lockFile) {
        this.lockFile = lockFile;
    }

    interface Held extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    Held acquire() throws IOException {
        local.lock();
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock;
            try {
                fileLock = channel.lock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return () -> {
                try (channel) {
                    fileLock.release();
                } finally {
                    local.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
    }
}
