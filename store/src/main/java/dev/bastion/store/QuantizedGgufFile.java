package dev.bastion.store;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.QuantizationMix;
import dev.bastion.engine.format.QuantizedCheckpoint;
import dev.bastion.engine.gguf.GgufModelExport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a Hugging Face model quantized by a {@link QuantizationMix} as one GGUF file, for the store to keep. */
final class QuantizedGgufFile {

    private QuantizedGgufFile() {}

    /**
     * Copies the directory's files the store takes (checked as an import checks them: own regular files, no links)
     * into {@code work}, so that nothing else is read, then quantizes and writes {@code work/model.gguf}.
     */
    static Path fromDirectory(ModelDirectory source, Path work, QuantizationMix mix, QuantizeProgress progress) throws IOException {
        Path copy = work.resolve("source");
        StoreFiles.createPrivateDirectories(copy);
        for (ModelDirectory.Source file : source.files()) {
            try (InputStream in = file.open()) {
                Files.copy(in, copy.resolve(file.fileName()));
            }
        }
        return fromVerified(copy, work, mix, progress);
    }

    /** Quantizes a directory whose files were already verified (a copy, or a materialized store model). */
    static Path fromVerified(Path hfDir, Path work, QuantizationMix mix, QuantizeProgress progress) throws IOException {
        Path gguf = work.resolve(ModelDirectory.GGUF_FILE);
        Checkpoint source = ModelFormat.open(hfDir);
        if (!source.format().name().equals("safetensors")) {
            source.close();
            throw new InvalidModelException("quantizing needs a safetensors model (F32, F16 or BF16), not " + source.format().name());
        }
        int total = source.tensors().size();
        try (QuantizedCheckpoint quantized = QuantizedCheckpoint.quantize(source, mix, (name, done) -> progress.tensors(done, total))) {
            GgufModelExport.write(hfDir, quantized, mix.llamaFileType(), gguf);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException("the model cannot be quantized: " + e.getMessage(), e);
        }
        return gguf;
    }
}
