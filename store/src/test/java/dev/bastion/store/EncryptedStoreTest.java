package dev.bastion.store;

import dev.bastion.engine.format.ModelFiles;
import dev.bastion.engine.generate.CancellationToken;
import dev.bastion.engine.generate.GenerationOptions;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.generate.TokenSink;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.sampling.SamplerOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 12's acceptance for encryption at rest, on the store and the engine together. */
class EncryptedStoreTest {

    static final ModelName NAME = ModelName.parse("tiny");

    @TempDir
    Path tmp;
    Path modelDir;
    byte[] weightPattern;
    final KeyEncryptionKey kek = KeyEncryptionKey.of(BlobCipherTest.random(32, 7));

    @BeforeEach
    void setUp() throws IOException {
        modelDir = TinyModelDirectory.write(tmp.resolve("model"), 1);
        byte[] weights = Files.readAllBytes(modelDir.resolve("model.safetensors"));
        // 64 bytes from the middle of the tensor data: random weights, found nowhere else by chance
        weightPattern = Arrays.copyOfRange(weights, weights.length / 2, weights.length / 2 + 64);
    }

    ModelStore encryptedStore(Path home) throws IOException {
        ModelStore store = new ModelStore(home, new StoreEncryption(kek, true));
        store.chunkSize = 4096; // many chunks even for the tiny model's weights
        return store;
    }

    @Test
    void noPlaintextWeightsOnDiskAndGenerationMatchesThePlainModel() throws Exception {
        ModelStore plain = new ModelStore(tmp.resolve("plain"));
        plain.importDirectory(modelDir, NAME, null);
        ModelStore encrypted = encryptedStore(tmp.resolve("encrypted"));
        encrypted.importDirectory(modelDir, NAME, null);

        assertThat(filesContaining(tmp.resolve("plain"), weightPattern)).as("the test's pattern is real").isNotEmpty();
        assertThat(filesContaining(tmp.resolve("encrypted"), weightPattern)).isEmpty();
        // before and after loading: nothing in clear is left behind (no runtime directory of links or copies)
        String expected = generate(plain.open(NAME));
        assertThat(encrypted.open(NAME).onDisk()).isFalse();
        String actual = generate(encrypted.open(NAME));
        assertThat(actual).isEqualTo(expected).isNotEmpty();
        assertThat(filesContaining(tmp.resolve("encrypted"), weightPattern)).isEmpty();

        // the model's identity does not change: same digests, same show, same bytes served to a registry
        assertThat(encrypted.manifest(NAME).orElseThrow().allLayers()).isEqualTo(plain.manifest(NAME).orElseThrow().allLayers());
        assertThat(encrypted.show(NAME).architecture()).isEqualTo(plain.show(NAME).architecture());
        Layer weights = encrypted.manifest(NAME).orElseThrow().layer(LayerType.WEIGHTS).orElseThrow();
        try (InputStream in = encrypted.openBlob(weights, 0)) {
            assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(modelDir.resolve("model.safetensors")));
        }
        try (InputStream in = encrypted.openBlob(weights, 5000)) {
            byte[] all = Files.readAllBytes(modelDir.resolve("model.safetensors"));
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(all, 5000, all.length));
        }
        assertThat(encrypted.verify().problems()).isEmpty();
        assertThatThrownBy(() -> encrypted.materialize(NAME)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("encrypted");
    }

    @Test
    void perModelEncryptionOnAHomeWithoutTheSwitchEncryptsReusedBlobsToo() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("home"), new StoreEncryption(kek, false));
        store.chunkSize = 4096;
        store.importDirectory(modelDir, ModelName.parse("plain"), null);
        assertThat(filesContaining(tmp.resolve("home"), weightPattern)).isNotEmpty();
        assertThat(store.isEncrypted(ModelName.parse("plain"))).isFalse();

        // created encrypted from the plain model: the shared blobs are re-stored encrypted, for both models
        store.encrypting().create(ModelName.parse("secret"), new Modelfile("plain", Map.of(), null, "be brief", null), null, null);
        assertThat(store.isEncrypted(ModelName.parse("secret"))).isTrue();
        assertThat(filesContaining(tmp.resolve("home"), weightPattern)).isEmpty();
        assertThat(generate(store.open(ModelName.parse("plain")))).isEqualTo(generate(store.open(ModelName.parse("secret"))));
        assertThat(store.show(ModelName.parse("secret")).system()).isEqualTo("be brief");

        // a plain import of the same weights later never downgrades the encrypted blob
        store.importDirectory(modelDir, ModelName.parse("again"), null);
        assertThat(filesContaining(tmp.resolve("home"), weightPattern)).isEmpty();
        assertThat(store.collectGarbage().files()).isEmpty();
        store.delete(ModelName.parse("plain"));
        store.delete(ModelName.parse("secret"));
        store.delete(ModelName.parse("again"));
        try (Stream<Path> keys = Files.list(tmp.resolve("home/blob-keys"))) {
            assertThat(keys.toList()).as("keys go with their blobs").isEmpty();
        }
    }

    @Test
    void aWrongSecretFailsCleanlyNamingTheModel() throws Exception {
        encryptedStore(tmp.resolve("home")).importDirectory(modelDir, NAME, null);
        ModelStore wrong = new ModelStore(tmp.resolve("home"), new StoreEncryption(KeyEncryptionKey.of(new byte[32]), false));
        assertThatThrownBy(() -> wrong.open(NAME)).isInstanceOf(UndecryptableModelException.class)
                .hasMessageStartingWith("model 'tiny:latest' cannot be decrypted")
                .hasMessageContaining("wrong server secret")
                .hasMessageNotContaining(tmp.toString());
        ModelStore none = new ModelStore(tmp.resolve("home"));
        assertThatThrownBy(() -> none.open(NAME)).isInstanceOf(UndecryptableModelException.class)
                .hasMessageContaining("without the server secret");
        assertThatThrownBy(() -> wrong.show(NAME)).isInstanceOf(UndecryptableModelException.class);
    }

    @Test
    void aFlippedByteOrReorderedChunksInAStoredBlobFailCleanly() throws Exception {
        ModelStore store = encryptedStore(tmp.resolve("home"));
        Layer weights = store.importDirectory(modelDir, NAME, null).layer(LayerType.WEIGHTS).orElseThrow();
        Path blob = tmp.resolve("home/blobs/sha256-" + weights.hex());
        byte[] original = Files.readAllBytes(blob);
        assertThat(original.length).as("several chunks").isGreaterThan(3 * 4096);
        blob.toFile().setWritable(true);

        try (RandomAccessFile file = new RandomAccessFile(blob.toFile(), "rw")) {
            file.seek(BlobCipher.HEADER_BYTES + 4096 + 16 + 100);
            int b = file.read();
            file.seek(BlobCipher.HEADER_BYTES + 4096 + 16 + 100);
            file.write(b ^ 0x40);
        }
        assertThatThrownBy(() -> generate(store.open(NAME))).isInstanceOf(UndecryptableModelException.class)
                .hasMessage("model 'tiny:latest': blob sha256-" + weights.hex() + ": chunk 1 failed authentication (tampered with, truncated or reordered)");
        assertThat(store.verify().problems()).singleElement().asString().contains("chunk 1 failed authentication");

        byte[] swapped = original.clone();
        int h = BlobCipher.HEADER_BYTES, sealed = 4096 + 16;
        System.arraycopy(original, h, swapped, h + sealed, sealed);
        System.arraycopy(original, h + sealed, swapped, h, sealed);
        Files.write(blob, swapped);
        assertThatThrownBy(() -> generate(store.open(NAME))).isInstanceOf(UndecryptableModelException.class)
                .hasMessageContaining("chunk 0 failed authentication");

        Files.write(blob, Arrays.copyOf(original, original.length - 1));
        assertThatThrownBy(() -> generate(store.open(NAME))).isInstanceOf(UndecryptableModelException.class);
        Files.write(blob, Arrays.copyOf(original, h + 2 * sealed)); // cut at a chunk boundary
        assertThatThrownBy(() -> generate(store.open(NAME))).isInstanceOf(UndecryptableModelException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void rotationRewrapsKeysWithoutTouchingBlobs() throws Exception {
        Path home = tmp.resolve("home");
        encryptedStore(home).importDirectory(modelDir, NAME, null);
        Map<String, String> before = hashes(home.resolve("blobs"));
        KeyEncryptionKey next = KeyEncryptionKey.of(BlobCipherTest.random(32, 8));

        ModelStore store = encryptedStore(home);
        ModelStore.Rewrap first = store.rewrapKeys(kek, next);
        assertThat(first.rewrapped()).isEqualTo(TinyModelDirectory.FILES);
        // mid-rotation (a crash here): both secrets open the model, and a rerun finds the work done
        assertThat(generate(new ModelStore(home, new StoreEncryption(kek, false)).open(NAME))).isNotEmpty();
        assertThat(generate(new ModelStore(home, new StoreEncryption(next, false)).open(NAME))).isNotEmpty();
        assertThat(store.rewrapKeys(kek, next)).isEqualTo(new ModelStore.Rewrap(0, TinyModelDirectory.FILES));

        assertThat(store.dropOtherWraps(next)).isEmpty();
        assertThat(hashes(home.resolve("blobs"))).isEqualTo(before);
        assertThat(generate(new ModelStore(home, new StoreEncryption(next, false)).open(NAME))).isNotEmpty();
        assertThatThrownBy(() -> new ModelStore(home, new StoreEncryption(kek, false)).open(NAME))
                .isInstanceOf(UndecryptableModelException.class).hasMessageContaining("wrong server secret");
        // re-wrapping needs the key the blobs are under: with the old one gone, nothing changes
        assertThatThrownBy(() -> store.rewrapKeys(kek, KeyEncryptionKey.of(new byte[32])))
                .isInstanceOf(InvalidModelException.class);
        assertThat(hashes(home.resolve("blobs"))).isEqualTo(before);
    }

    @Test
    void aTamperedKeyFileIsNamedAsSuch() throws Exception {
        Path home = tmp.resolve("home");
        Layer weights = encryptedStore(home).importDirectory(modelDir, NAME, null).layer(LayerType.WEIGHTS).orElseThrow();
        Path keyFile = home.resolve("blob-keys/sha256-" + weights.hex());
        String json = Files.readString(keyFile);
        int at = json.indexOf("\"sealed\":\"") + 12;
        Files.writeString(keyFile, json.substring(0, at) + (json.charAt(at) == 'A' ? 'B' : 'A') + json.substring(at + 1));
        assertThatThrownBy(() -> encryptedStore(home).open(NAME)).isInstanceOf(UndecryptableModelException.class)
                .hasMessageContaining("does not unwrap (key file tampered with)");
        Files.delete(keyFile); // without its key the blob is not taken for one in clear: its content fails the digest
        assertThatThrownBy(() -> generate(encryptedStore(home).open(NAME))).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("corrupt or tampered with");
    }

    @Test
    void anEncryptedGgufModelRunsAndShowsAsThePlainOne() throws Exception {
        // a real trained model (stories260K) as GGUF: the engine reads it from decrypted memory as from a mapping
        Path gguf = dev.bastion.engine.testing.GgufExport.export(dev.bastion.engine.testing.Stories260K.directory(),
                tmp.resolve("stories.gguf"), dev.bastion.engine.format.StorageType.F16,
                dev.bastion.engine.gguf.GgufModelExport.Vocabulary.LLAMA);
        byte[] bytes = Files.readAllBytes(gguf);
        byte[] pattern = Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length / 2 + 64);
        ModelStore plain = new ModelStore(tmp.resolve("plain"));
        plain.importGguf(gguf, NAME, null);
        ModelStore encrypted = encryptedStore(tmp.resolve("encrypted"));
        encrypted.importGguf(gguf, NAME, null);

        assertThat(filesContaining(tmp.resolve("encrypted"), pattern)).isEmpty();
        assertThat(generate(encrypted.open(NAME))).isEqualTo(generate(plain.open(NAME))).isNotEmpty();
        assertThat(encrypted.show(NAME).parameterCount()).isEqualTo(plain.show(NAME).parameterCount());
        assertThat(encrypted.ggufSummary(NAME).orElseThrow().modelInfo()).isEqualTo(plain.ggufSummary(NAME).orElseThrow().modelInfo());
        assertThat(encrypted.list()).singleElement().satisfies(m -> assertThat(m.name()).isEqualTo(NAME));
    }

    @Test
    void anOllamaImportUnderTheSwitchIsEncryptedAndOllamasFileIsUntouched() throws Exception {
        Path gguf = dev.bastion.engine.testing.GgufExport.export(dev.bastion.engine.testing.Stories260K.directory(),
                tmp.resolve("stories.gguf"), dev.bastion.engine.format.StorageType.F16,
                dev.bastion.engine.gguf.GgufModelExport.Vocabulary.LLAMA);
        byte[] bytes = Files.readAllBytes(gguf);
        OllamaDirectory ollama = new OllamaDirectory(tmp.resolve("ollama"));
        String digest = ollama.blob(bytes);
        ollama.layer(OllamaModels.MODEL, bytes).writeManifest("stories", "latest");
        ModelStore store = encryptedStore(tmp.resolve("home"));
        ModelStore.OllamaImport imported = store.importOllama(OllamaModels.read(ollama.root, "stories"), NAME, null);

        assertThat(imported.linked()).as("an encrypted copy, not a link").isFalse();
        assertThat(store.isEncrypted(NAME)).isTrue();
        assertThat(filesContaining(tmp.resolve("home"), Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length / 2 + 64))).isEmpty();
        assertThat(Files.readAllBytes(ollama.blobPath(digest))).isEqualTo(bytes);
        assertThat(generate(store.open(NAME))).isNotEmpty();
    }

    static String generate(ModelFiles files) throws IOException {
        try (LocalModelRuntime runtime = LocalModelRuntime.load(files, WeightFormat.AS_STORED)) {
            GenerationOptions options = new GenerationOptions(new SamplerOptions(0f, 0, 1f, 0f, 1f, 64, 1L), 24, 0, List.of());
            return runtime.generate("The quick brown fox", options, TokenSink.IGNORE, new CancellationToken()).text();
        }
    }

    static List<Path> filesContaining(Path root, byte[] pattern) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    return BlobCipherTest.indexOf(Files.readAllBytes(f), pattern) >= 0;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    static Map<String, String> hashes(Path dir) throws Exception {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                hashes.put(f.getFileName().toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return hashes;
    }
}
