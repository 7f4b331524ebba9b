package dev.bastion.engine.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of a model by name: a directory on disk (weights memory-mapped), or files another layer holds and hands
 * over as memory (the store's encrypted blobs, decrypted off-heap). The engine reads a model only through this, so it
 * needs to know nothing of where or how the bytes are kept.
 */
public interface ModelFiles {

    /** What error messages name: the directory, or a stand-in naming the model; files resolve against it. */
    Path path();

    /** The names of the model's regular files. */
    List<String> names() throws IOException;

    /** Whether the model has a regular file {@code name}. */
    boolean has(String name);

    /** Its size in bytes. */
    long size(String name) throws IOException;

    /** The whole of a small file (configs, tokenizers); {@link NoSuchFileException} when absent. */
    byte[] read(String name) throws IOException;

    /** The file's bytes as a read-only segment that lives as long as {@code arena} (weights). */
    MemorySegment map(String name, Arena arena) throws IOException;

    /** A model on disk, a directory or a {@code .gguf} file: files memory-mapped, nothing copied. */
    static ModelFiles directory(Path dir) {
        return new Directory(dir);
    }

    /** Whether the model is a path on disk, which the Path-based entry points (e.g. {@link ModelFormat#open(Path)}) open as such. */
    default boolean onDisk() {
        return false;
    }

    record Directory(Path path) implements ModelFiles {

        @Override
        public List<String> names() throws IOException {
            try (Stream<Path> list = Files.list(path)) {
                return list.filter(p -> Files.isRegularFile(p)).map(p -> p.getFileName().toString()).sorted().toList();
            }
        }

        @Override
        public boolean has(String name) {
            return Files.isRegularFile(path.resolve(name));
        }

        @Override
        public long size(String name) throws IOException {
            return Files.size(path.resolve(name));
        }

        @Override
        public byte[] read(String name) throws IOException {
            return Files.readAllBytes(path.resolve(name));
        }

        @Override
        public MemorySegment map(String name, Arena arena) throws IOException {
            try (FileChannel channel = FileChannel.open(path.resolve(name), StandardOpenOption.READ)) {
                long size = channel.size();
                return size == 0 ? MemorySegment.ofArray(new byte[0])
                        : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
        }

        @Override
        public boolean onDisk() {
            return true;
        }
    }
}
