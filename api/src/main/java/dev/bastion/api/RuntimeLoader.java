package dev.bastion.api;

import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.model.WeightFormat;

import java.nio.file.Path;

/** Turns a materialized model directory into a runnable model, holding its weights in the model's format. */
@FunctionalInterface
public interface RuntimeLoader {
    ModelRuntime load(Path modelDir, WeightFormat format) throws Exception;

    /** A model's files: on disk as {@link #load(Path, WeightFormat)}; held in memory (decrypted) by the engine itself. */
    default ModelRuntime load(ModelFiles files, WeightFormat format) throws Exception {
        return files.onDisk() ? load(files.path(), format) : LocalModelRuntime.load(files, format);
    }
}
