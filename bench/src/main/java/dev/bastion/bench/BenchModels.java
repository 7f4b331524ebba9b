package dev.bastion.bench;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The generated model every benchmark and check runs on, in a temporary directory its caller deletes. */
final class BenchModels {

    /** SmolLM2-135M's shape: hidden 576, 30 layers, 9 heads / 3 KV heads, vocabulary 49152, BF16, tied embeddings. */
    static final TinyModelSpec SPEC = TinyModelSpec.smolLm2_135mShape();

    private BenchModels() {}

    static Path generate() throws IOException {
        Path dir = Files.createTempDirectory("bastion-bench-");
        return TinyModelGenerator.generate(dir, Architecture.LLAMA, SPEC, 1);
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
