package dev.bastion.engine.format;

import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.sampling.SamplerOptions;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.engine.testing.TinyModelFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's one seam for models held elsewhere: files from memory load and run exactly as the mapped directory. */
class ModelFilesTest {

    @TempDir
    Path tmp;

    @Test
    void aSafeTensorsModelFromMemoryGeneratesAsFromItsDirectory() throws IOException {
        Path dir = TinyModelFixture.tinyModel(tmp.resolve("m"), Architecture.QWEN2);
        InMemory files = InMemory.of(dir, Path.of("library", "m:latest"));
        assertThat(generate(LocalModelRuntime.load(files, WeightFormat.AS_STORED))).isEqualTo(generate(LocalModelRuntime.load(dir)));
        assertThat(files.mapped).contains("model.safetensors").doesNotContain("config.json"); // small files are read, weights mapped
    }

    @Test
    void aGgufModelFromMemoryGeneratesAsFromItsFile() throws IOException {
        Path gguf = GgufExport.export(Stories260K.directory(), Files.createDirectories(tmp.resolve("g")).resolve("stories.gguf"), StorageType.F16, GgufModelExport.Vocabulary.LLAMA);
        InMemory files = InMemory.of(gguf.getParent(), Path.of("library", "stories:latest"));
        assertThat(generate(LocalModelRuntime.load(files, WeightFormat.AS_STORED))).isEqualTo(generate(LocalModelRuntime.load(gguf)));
    }

    @Test
    void problemsNameTheStandInPathNotWhereTheBytesCameFrom() throws IOException {
        Path dir = TinyModelFixture.tinyModel(tmp.resolve("m"), Architecture.LLAMA);
        InMemory files = InMemory.of(dir, Path.of("library", "m:latest"));
        files.contents.put("model.safetensors", new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ModelFormat.open(files)).hasMessageContaining("library/m:latest/model.safetensors")
                .hasMessageContaining("too short").hasMessageNotContaining(tmp.toString());
        files.contents.remove("model.safetensors");
        assertThatThrownBy(() -> ModelFormat.open(files)).hasMessageContaining("neither model.safetensors");
    }

    private static String generate(LocalModelRuntime runtime) {
        try (runtime) {
            return runtime.generate("Once upon a time", new GenerationOptions(SamplerOptions.GREEDY, 16, 0, List.of()),
                    TokenSink.IGNORE, new CancellationToken()).text();
        }
    }

    /** A model's files copied onto the heap, handed out as off-heap copies in the caller's arena (as a decrypting store does). */
    static final class InMemory implements ModelFiles {
        final Path path;
        final Map<String, byte[]> contents = new LinkedHashMap<>();
        final List<String> mapped = new ArrayList<>();

        InMemory(Path path) {
            this.path = path;
        }

        static InMemory of(Path dir, Path standIn) throws IOException {
            InMemory files = new InMemory(standIn);
            try (Stream<Path> list = Files.list(dir)) {
                for (Path f : list.sorted().toList()) files.contents.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
            return files;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public List<String> names() {
            return List.copyOf(contents.keySet());
        }

        @Override
        public boolean has(String name) {
            return contents.containsKey(name);
        }

        @Override
        public long size(String name) throws IOException {
            return bytes(name).length;
        }

        @Override
        public byte[] read(String name) throws IOException {
            return bytes(name).clone();
        }

        @Override
        public MemorySegment map(String name, Arena arena) throws IOException {
            mapped.add(name);
            byte[] bytes = bytes(name);
            MemorySegment copy = arena.allocate(bytes.length, 4096);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, copy, 0, bytes.length);
            return copy.asReadOnly();
        }

        private byte[] bytes(String name) throws NoSuchFileException {
            byte[] bytes = contents.get(name);
            if (bytes == null) throw new NoSuchFileException(path.resolve(name).toString());
            return bytes;
        }
    }
}
