package dev.bastion.api;

import dev.bastion.engine.generate.ModelRuntime;

import java.nio.file.Path;

/** Turns a materialized model directory into a runnable model. */
@FunctionalInterface
public interface RuntimeLoader {
    ModelRuntime load(Path modelDir) throws Exception;
}
