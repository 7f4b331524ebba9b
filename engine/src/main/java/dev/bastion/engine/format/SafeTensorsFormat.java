package dev.bastion.engine.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face model directory: {@code config.json}, {@code model.safetensors} or its shards, {@code tokenizer.json},
 * and optionally {@code tokenizer_config.json} and {@code generation_config.json}. Any directory is taken as one, so
 * that a directory missing a file gets an error naming that file.
 */
public final class SafeTensorsFormat implements ModelFormat {

    @Override
    public String name() {
        return "safetensors";
    }

    @Override
    public boolean recognizes(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public Checkpoint read(Path path) throws IOException {
        return SafeTensorsCheckpoint.open(this, path);
    }
}
