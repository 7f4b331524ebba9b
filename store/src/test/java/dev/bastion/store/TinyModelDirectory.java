package dev.bastion.store;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny generated Llama directory plus a file the store must ignore; different seeds give different weights only. */
final class TinyModelDirectory {
    /** config.json, model.safetensors, tokenizer.json, tokenizer_config.json, generation_config.json. */
    static final int FILES = 5;

    private TinyModelDirectory() {}

    static Path write(Path dir, long seed) throws IOException {
        TinyModelGenerator.generate(dir, Architecture.LLAMA, TinyModelSpec.tiny(Architecture.LLAMA), seed);
        Files.writeString(dir.resolve("README.md"), "not part of the model");
        return dir;
    }
}
