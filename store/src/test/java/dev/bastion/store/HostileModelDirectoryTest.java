package dev.bastion.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A model directory that links to files outside itself must not carry them into the store, nor into error messages. */
class HostileModelDirectoryTest {

    static final String SECRET = "c2VjcmV0LWtleS1vZi10aGUtc2VydmVyLW5ldmVyLXRvLWJlLXNlZW4=";

    @TempDir
    Path tmp;
    Path home;
    Path secret;
    Path modelDir;
    ModelStore store;

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        store = new ModelStore(home);
        secret = Files.writeString(home.resolve("secret.key"), SECRET);
        modelDir = TinyModelDirectory.write(tmp.resolve("model"), 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LICENSE", "config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"})
    void aSymlinkToAFileOutsideIsRefusedByName(String file) throws IOException {
        Files.deleteIfExists(modelDir.resolve(file));
        Files.createSymbolicLink(modelDir.resolve(file), secret);
        assertImportRefused(file + " is a symbolic link");
    }

    @ParameterizedTest
    @ValueSource(strings = {"LICENSE", "config.json", "tokenizer.json", "model.safetensors"})
    void aHardLinkIsRefusedByName(String file) throws IOException {
        Files.deleteIfExists(modelDir.resolve(file));
        Files.createLink(modelDir.resolve(file), secret);
        assertImportRefused(file + " has 2 hard links");
    }

    @Test
    void aSymlinkToAFileOfTheSameDirectoryIsRefusedToo() throws IOException {
        Files.createSymbolicLink(modelDir.resolve("LICENSE"), Path.of("README.md"));
        assertImportRefused("LICENSE is a symbolic link");
    }

    @Test
    void aDirectoryUnderAModelFileNameIsRefused() throws IOException {
        Files.createDirectory(modelDir.resolve("LICENSE"));
        assertImportRefused("LICENSE is not a regular file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
    void jsonErrorsNameTheFileAndTheProblemButNeverTheContent(String file) throws IOException {
        Files.writeString(modelDir.resolve(file), SECRET + "\n");
        assertImportRefused(file).hasMessageContaining("not valid JSON");
    }

    @Test
    void aSymlinkedModelDirectoryIsResolvedAndImported() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("current"), modelDir);
        Manifest manifest = store.importDirectory(link, ModelName.parse("tiny"), null);
        assertThat(manifest.allLayers()).hasSize(TinyModelDirectory.FILES);
    }

    @Test
    void subdirectoriesAndSymlinkedSubdirectoriesAreNeverRead() throws IOException {
        Files.createSymbolicLink(modelDir.resolve("home"), home);
        Files.createDirectories(modelDir.resolve("sub"));
        Files.createSymbolicLink(modelDir.resolve("sub/LICENSE"), secret);
        Manifest manifest = store.importDirectory(modelDir, ModelName.parse("tiny"), null);
        assertThat(manifest.allLayers()).extracting(Layer::fileName).doesNotContain("LICENSE", "home", "sub");
        assertNoBlobHoldsTheSecret();
    }

    @Test
    void createFromADirectoryRefusesLinksAlike() throws IOException {
        Files.createSymbolicLink(modelDir.resolve("LICENSE"), secret);
        assertRefused(() -> store.create(ModelName.parse("mine"), Modelfile.parse("FROM ./model"), null, tmp), "LICENSE is a symbolic link");
    }

    @Test
    void aFileSwappedForASymlinkAfterTheCheckIsNotCopied() throws IOException {
        swapDuringImport(target -> Files.createSymbolicLink(target, secret));
        assertRefused(() -> store.importDirectory(modelDir, ModelName.parse("tiny"), null), "tokenizer.json is a symbolic link");
    }

    @Test
    void aFileSwappedForAHardLinkAfterTheCheckIsNotCopied() throws IOException {
        swapDuringImport(target -> Files.createLink(target, secret));
        assertRefused(() -> store.importDirectory(modelDir, ModelName.parse("tiny"), null), "tokenizer.json");
    }

    interface Swap {
        void replace(Path target) throws IOException;
    }

    /** Replaces tokenizer.json once the first blob (config.json's) is written, i.e. after the directory was checked. */
    private void swapDuringImport(Swap swap) {
        store.blobHook = (temp, layer) -> {
            if (layer.type() == LayerType.CONFIG) {
                Path tokenizer = modelDir.resolve("tokenizer.json");
                Files.delete(tokenizer);
                swap.replace(tokenizer);
            }
        };
    }

    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertImportRefused(String message) throws IOException {
        return assertRefused(() -> store.importDirectory(modelDir, ModelName.parse("tiny"), null), message);
    }

    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable operation, String message) throws IOException {
        var refusal = assertThatThrownBy(operation).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(message).hasMessageNotContaining(SECRET.substring(0, 8));
        assertThat(home.resolve("manifests")).isEmptyDirectory();
        assertThat(blobs()).isEmpty();
        return refusal;
    }

    private void assertNoBlobHoldsTheSecret() throws IOException {
        for (Path blob : blobs()) assertThat(Files.readAllBytes(blob)).asString().doesNotContain(SECRET);
    }

    private List<Path> blobs() throws IOException {
        try (Stream<Path> files = Files.list(home.resolve("blobs"))) {
            return files.toList();
        }
    }
}
