package dev.bastion.engine.testing;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Tiny generated models for tests in any module (published in the engine's test-jar). */
public final class TinyModelFixture {

    /** The seed every fixture model uses, so tests see the same weights run after run. */
    public static final long SEED = 42;

    private TinyModelFixture() {}

    /** Writes the {@link TinyModelSpec#tiny} model of {@code arch} into {@code dir} and returns {@code dir}. */
    public static Path tinyModel(Path dir, Architecture arch) {
        return model(dir, arch, TinyModelSpec.tiny(arch));
    }

    public static Path model(Path dir, Architecture arch, TinyModelSpec spec) {
        try {
            return TinyModelGenerator.generate(dir, arch, spec, SEED);
        } catch (IOException e) {
            throw new UncheckedIOException("generating a tiny " + arch + " model in " + dir + " failed", e);
        }
    }
}
