package dev.bastion.engine.format;

import dev.bastion.engine.gguf.GgufCheckpoint;
import dev.bastion.engine.gguf.GgufFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A GGUF model: a regular file named {@code *.gguf}, or a directory holding exactly one {@code *.gguf} file and no
 * {@code config.json} (a directory with a config.json is a Hugging Face directory, whatever else it holds).
 */
public final class GgufFormat implements ModelFormat {

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public boolean recognizes(Path path) {
        if (Files.isRegularFile(path)) return isGgufName(path);
        if (!Files.isDirectory(path) || Files.exists(path.resolve("config.json"))) return false;
        try {
            return ggufFiles(path).size() == 1;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Checkpoint read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files = ggufFiles(path);
            if (files.size() != 1) throw new IOException(path + ": expected exactly one .gguf file, found " + files.size());
            return GgufCheckpoint.open(this, path, files.getFirst());
        }
        return GgufCheckpoint.open(this, path, path);
    }

    static Checkpoint read(GgufFormat format, ModelFiles files) throws IOException {
        List<String> ggufs = files.names().stream().filter(n -> isGgufName(Path.of(n))).toList();
        if (ggufs.size() != 1) throw new IOException(files.path() + ": expected exactly one .gguf file, found " + ggufs.size());
        String name = ggufs.getFirst();
        Arena arena = Arena.ofShared();
        MemorySegment whole;
        try {
            whole = files.map(name, arena);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        GgufFile file = GgufFile.open(files.path().resolve(name), whole, arena);
        try {
            return GgufCheckpoint.open(format, files.path(), file);
        } catch (IOException | RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    private static List<Path> ggufFiles(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> isGgufName(p) && Files.isRegularFile(p)).toList();
        }
    }

    private static boolean isGgufName(Path path) {
        return path.getFileName() != null && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }
}
