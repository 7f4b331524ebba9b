package dev.bastion.engine.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A way models are stored on disk. {@link #open(Path)} is the one entry point that loads any of them: it asks each
 * registered format in turn whether it {@link #recognizes} the path. SafeTensors (a Hugging Face directory) is the
 * one, GGUF (a {@code .gguf} file, or a directory holding just one) another.
 */
public interface ModelFormat {

    /** In detection order: a format recognizing a path shadows the ones after it (SafeTensors takes any directory, so it is last). */
    List<ModelFormat> REGISTERED = List.of(new GgufFormat(), new SafeTensorsFormat());

    /** A short name, as {@code /api/show} reports it: {@code safetensors}. */
    String name();

    /** Whether {@code path} looks like a model in this format (cheap: names and existence, not contents). */
    boolean recognizes(Path path);

    /** Opens {@code path}, validating what it holds; problems with the contents are IOExceptions naming the file. */
    Checkpoint read(Path path) throws IOException;

    /** Opens a model in whichever registered format recognizes {@code path}. The caller closes the checkpoint. */
    static Checkpoint open(Path path) throws IOException {
        return detect(path).read(path);
    }

    /**
     * Opens a model from its files wherever they are held (see {@link ModelFiles}): a Hugging Face layout when it has
     * a config.json, else GGUF when it holds exactly one {@code .gguf} file. The caller closes the checkpoint.
     */
    static Checkpoint open(ModelFiles files) throws IOException {
        if (files.onDisk()) return open(files.path());
        if (files.has("config.json")) return SafeTensorsCheckpoint.open(REGISTERED.getLast(), files);
        return GgufFormat.read((GgufFormat) REGISTERED.getFirst(), files);
    }

    /** The format of {@code path}. */
    static ModelFormat detect(Path path) throws IOException {
        if (!Files.exists(path)) throw new IOException("model directory not found: " + path);
        for (ModelFormat format : REGISTERED) {
            if (format.recognizes(path)) return format;
        }
        throw new IOException(path + " is not a model in a supported format ("
                + String.join(", ", REGISTERED.stream().map(ModelFormat::name).toList()) + ")");
    }
}
