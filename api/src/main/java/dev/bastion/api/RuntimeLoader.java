package dev.bastion.api;

import dev.bastion.engine.generate.ModelRuntime;
import dev.bastion.engine.model.WeightFormat;

import java.nio.file.Path;

/** Turns a materialized model directory into a runnable model, holding its weights in the model's format. */
@FunctionalInterface
public interface RuntimeLoader {
    ModelRuntime load(Path modelDir, WeightFormat format) throws Exception;
}
