package dev.bastion.store;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.SafeTensorsFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelStoreTest {

    @TempDir
    Path tmp;
    Path home;
    ModelStore store;
    Path modelDir;

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        store = new ModelStore(home);
        modelDir = TinyModelDirectory.write(tmp.resolve("model"), 1);
    }

    @Test
    void namesAreFoundWhateverTheirCaseAsOllamaFindsThem() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("tiny:V1"), null);
        assertThat(store.show(ModelName.parse("Tiny:v1")).digest()).isEqualTo(store.show(ModelName.parse("tiny:V1")).digest());
        assertThat(new String(store.readLayer(ModelName.parse("TINY:v1"), LayerType.CONFIG, 1 << 20).orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(Files.readString(modelDir.resolve("config.json")));
        assertThat(store.readLayer(ModelName.parse("tiny:v1"), LayerType.WEIGHTS, 16)).as("over the size cap").isEmpty();
        store.copy(ModelName.parse("tiny:v1"), ModelName.parse("TINY:v1"), null);
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactly("tiny:V1");
        store.delete(ModelName.parse("tiny:v1"));
        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.show(ModelName.parse("tiny:v1"))).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void parameterSizesAndLevelsReadAsOllamaWritesThem() {
        assertThat(List.of(259_776L, 134_515_008L, 135_000_000L, 1_235_814_400L, 7_000_000_000L, 999L))
                .map(ModelDetails::humanNumber).containsExactly("260K", "134.52M", "135M", "1.2B", "7B", "999");
    }

    @Test
    void importListShowCopyRemoveRoundTrip() throws IOException {
        ModelName name = ModelName.parse("tiny");
        Manifest manifest = store.importDirectory(modelDir, name, "alice");

        assertThat(manifest.config().fileName()).isEqualTo("config.json");
        assertThat(manifest.layers()).extracting(Layer::fileName)
                .containsExactlyInAnyOrder("model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json");
        assertThat(manifest.layer(LayerType.WEIGHTS).orElseThrow().size()).isEqualTo(Files.size(modelDir.resolve("model.safetensors")));
        assertThat(store.manifest(name)).contains(manifest);
        assertThat(Files.exists(home.resolve("manifests/library/tiny/latest"))).isTrue();
        for (Layer layer : manifest.allLayers()) {
            assertThat(home.resolve("blobs/sha256-" + layer.hex())).exists();
        }

        List<ModelInfo> models = store.list();
        assertThat(models).singleElement().satisfies(info -> {
            assertThat(info.name()).isEqualTo(name);
            assertThat(info.owner()).isEqualTo("alice");
            assertThat(info.size()).isEqualTo(manifest.size());
            assertThat(info.digest()).matches("sha256:[0-9a-f]{64}");
        });

        ModelDetails details = store.show(name);
        ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
        assertThat(details.architecture()).isEqualTo(Architecture.LLAMA);
        assertThat(details.contextLength()).isEqualTo(config.maxPositionEmbeddings());
        assertThat(details.dtype()).isEqualTo("bfloat16");
        try (Checkpoint weights = ModelFormat.open(modelDir)) {
            // From config.json alone, yet every tensor counted.
            assertThat(details.parameterCount()).isEqualTo(weights.parameterCount()).isPositive();
        }
        assertThat(details.template()).isNull();
        assertThat(details.parameters()).isEmpty();

        ModelName copy = ModelName.parse("bob/tiny:v2");
        store.copy(name, copy);
        assertThat(store.list()).extracting(ModelInfo::name).containsExactlyInAnyOrder(name, copy);
        assertThat(store.show(copy).digest()).isEqualTo(details.digest());
        ModelName bobs = ModelName.parse("bob/tiny:mine");
        store.copy(name, bobs, "bob");
        assertThat(store.show(bobs).owner()).isEqualTo("bob");
        assertThat(store.show(bobs).size()).isEqualTo(details.size());
        assertThat(store.show(name).owner()).as("the source keeps its owner").isEqualTo("alice");
        store.delete(bobs);

        store.delete(name);
        assertThat(store.manifest(name)).isEmpty();
        assertThat(home.resolve("manifests/library")).doesNotExist();
        for (Layer layer : manifest.allLayers()) assertThat(home.resolve("blobs/sha256-" + layer.hex())).exists();
        store.delete(copy);
        assertThat(store.list()).isEmpty();
        assertThat(blobFiles()).isEmpty();
        assertThatThrownBy(() -> store.delete(copy)).isInstanceOf(ModelNotFoundException.class).hasMessageContaining("bob/tiny:v2");
    }

    @Test
    void identicalFilesAreStoredOnce() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("a"), null);
        store.importDirectory(modelDir, ModelName.parse("b"), null);
        assertThat(blobFiles()).hasSize(TinyModelDirectory.FILES);
    }

    @Test
    void directoriesAndFilesAreOwnerOnly() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("tiny"), null);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("blobs")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("manifests/library/tiny"))))
                .isEqualTo("rwx------");
        assertThat(blobFiles()).allSatisfy(blob ->
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("r--------"));
    }

    @Test
    void invalidConfigWritesNothing() throws IOException {
        Files.writeString(modelDir.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");
        assertImportFailsCleanly("unsupported architecture 'GPT2LMHeadModel'");
    }

    @Test
    void configThatIsNotJsonWritesNothing() throws IOException {
        Files.writeString(modelDir.resolve("config.json"), "{not json");
        assertImportFailsCleanly("config.json");
    }

    @Test
    void corruptSafetensorsHeaderWritesNothing() throws IOException {
        byte[] bytes = Files.readAllBytes(modelDir.resolve("model.safetensors"));
        bytes[0] = (byte) 0xff; // header length now exceeds the file
        bytes[1] = (byte) 0xff;
        Files.write(modelDir.resolve("model.safetensors"), bytes);
        assertImportFailsCleanly("model.safetensors");
    }

    @Test
    void missingTokenizerWritesNothing() throws IOException {
        Files.delete(modelDir.resolve("tokenizer.json"));
        assertImportFailsCleanly("tokenizer.json is missing");
    }

    @Test
    void tokenizerThatIsNotJsonWritesNothing() throws IOException {
        Files.writeString(modelDir.resolve("tokenizer.json"), "[1, 2");
        assertImportFailsCleanly("tokenizer.json: not valid JSON");
    }

    @Test
    void missingWeightsWritesNothing() throws IOException {
        Files.delete(modelDir.resolve("model.safetensors"));
        assertImportFailsCleanly("no *.safetensors weights");
    }

    @Test
    void indexNamingAMissingShardWritesNothing() throws IOException {
        Files.writeString(modelDir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"model-00002-of-00002.safetensors\"}}");
        assertImportFailsCleanly("model-00002-of-00002.safetensors");
    }

    @Test
    void interruptedImportLeavesNoManifestAndNoTemporaries() throws IOException {
        store.importDirectory(TinyModelDirectory.write(tmp.resolve("other"), 2), ModelName.parse("other"), null);
        List<Path> blobsBefore = blobFiles();
        int[] committed = {0};
        store.blobHook = (temp, layer) -> {
            assertThat(temp).exists();
            if (++committed[0] == 3) throw new IOException("disk unplugged");
        };
        assertThatThrownBy(() -> store.importDirectory(modelDir, ModelName.parse("tiny"), null)).hasMessage("disk unplugged");
        assertThat(store.manifest(ModelName.parse("tiny"))).isEmpty();
        assertThat(blobFiles()).containsExactlyInAnyOrderElementsOf(blobsBefore);
        assertThat(allFiles()).noneMatch(p -> p.getFileName().toString().contains("tmp-"));
        assertThat(store.materialize(ModelName.parse("other"))).isDirectory();
    }

    @Test
    void importNeedingMoreSpaceThanIsFreeWritesNothing() throws IOException {
        // Far beyond any disk: reading the free space here would race with other processes freeing some.
        store.freeSpaceMargin = Long.MAX_VALUE / 2;
        Path[] before = allFiles().toArray(Path[]::new);
        assertThatThrownBy(() -> store.importDirectory(modelDir, ModelName.parse("tiny"), null))
                .hasMessageContaining("not enough disk space");
        assertThat(allFiles()).containsExactly(before);
    }

    @Test
    void staleTemporariesAreRemovedWhenTheStoreOpens() throws IOException {
        Path staleBlob = Files.writeString(home.resolve("blobs/tmp-crashed"), "partial");
        Files.createDirectories(home.resolve("manifests/library/x"));
        Path staleManifest = Files.writeString(home.resolve("manifests/library/x/.tmp-crashed"), "{");
        new ModelStore(home);
        assertThat(staleBlob).doesNotExist();
        assertThat(staleManifest).doesNotExist();
    }

    @Test
    void materializeLinksTheOriginalFileNamesToVerifiedBlobs() throws IOException {
        ModelName name = ModelName.parse("tiny");
        store.importDirectory(modelDir, name, null);
        Path dir = store.materialize(name);
        assertThat(dir).isDirectory().startsWith(home);
        assertThat(dir.resolve("config.json")).hasSameBinaryContentAs(modelDir.resolve("config.json"));
        try (SafeTensorsFile weights = SafeTensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThat(weights.tensors()).containsKeys("model.embed_tokens.weight", "model.norm.weight");
        }
        assertThat(ModelConfig.read(dir.resolve("config.json")).hiddenSize()).isEqualTo(64);
    }

    @Test
    void secondMaterializeSkipsHashingUntilABlobChanges() throws IOException {
        ModelName name = ModelName.parse("tiny");
        Manifest manifest = store.importDirectory(modelDir, name, null);
        ageBlobs(); // as if imported earlier, so the marker is strictly newer than the blobs
        Path first = store.materialize(name);
        long hashed = store.blobsVerified.get();
        assertThat(hashed).isEqualTo(manifest.allLayers().size());
        assertThat(store.materialize(name)).isEqualTo(first);
        assertThat(store.blobsVerified.get()).isEqualTo(hashed);
    }

    @Test
    void tamperedBlobIsCaughtEvenAfterAnEarlierVerification() throws IOException {
        ModelName name = ModelName.parse("tiny");
        Manifest manifest = store.importDirectory(modelDir, name, null);
        ageBlobs();
        store.materialize(name);
        Path weights = home.resolve("blobs/sha256-" + manifest.layer(LayerType.WEIGHTS).orElseThrow().hex());
        tamper(weights);
        assertThatThrownBy(() -> store.materialize(name)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("tampered");
    }

    @Test
    void tamperedBlobIsCaughtOnFirstMaterialize() throws IOException {
        ModelName name = ModelName.parse("tiny");
        Manifest manifest = store.importDirectory(modelDir, name, null);
        tamper(home.resolve("blobs/sha256-" + manifest.config().hex()));
        assertThatThrownBy(() -> store.materialize(name)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("config.json");
    }

    @Test
    void missingBlobIsReported() throws IOException {
        ModelName name = ModelName.parse("tiny");
        Manifest manifest = store.importDirectory(modelDir, name, null);
        Files.delete(home.resolve("blobs/sha256-" + manifest.config().hex()));
        assertThatThrownBy(() -> store.materialize(name)).isInstanceOf(InvalidModelException.class).hasMessageContaining("missing");
    }

    @Test
    void deleteKeepsSharedBlobsAndRemovesOrphans() throws IOException {
        Manifest a = store.importDirectory(modelDir, ModelName.parse("a"), null);
        Manifest b = store.importDirectory(TinyModelDirectory.write(tmp.resolve("b"), 2), ModelName.parse("b"), null);
        Layer aWeights = a.layer(LayerType.WEIGHTS).orElseThrow();
        Layer bWeights = b.layer(LayerType.WEIGHTS).orElseThrow();
        assertThat(aWeights.digest()).isNotEqualTo(bWeights.digest());
        assertThat(a.config()).isEqualTo(b.config());
        store.materialize(ModelName.parse("a"));

        store.delete(ModelName.parse("a"));

        assertThat(home.resolve("blobs/sha256-" + aWeights.hex())).doesNotExist();
        assertThat(home.resolve("blobs/sha256-" + a.config().hex())).exists();
        assertThat(blobFiles()).hasSize(b.allLayers().size());
        try (Stream<Path> runtime = Files.list(home.resolve("runtime"))) {
            assertThat(runtime).isEmpty();
        }
        assertThat(store.materialize(ModelName.parse("b"))).isDirectory();
    }

    @Test
    void reimportingANameReleasesTheOldBlobs() throws IOException {
        ModelName name = ModelName.parse("tiny");
        Manifest old = store.importDirectory(modelDir, name, null);
        store.importDirectory(TinyModelDirectory.write(tmp.resolve("v2"), 2), name, null);
        assertThat(home.resolve("blobs/sha256-" + old.layer(LayerType.WEIGHTS).orElseThrow().hex())).doesNotExist();
        assertThat(blobFiles()).hasSize(TinyModelDirectory.FILES);
    }

    @Test
    void concurrentImportsOfOneNameLeaveOneConsistentManifest() throws Exception {
        ModelName name = ModelName.parse("tiny");
        Path other = TinyModelDirectory.write(tmp.resolve("other"), 2);
        ModelStore secondHandle = new ModelStore(home); // as another process would
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Manifest> first = () -> {
                start.await();
                return store.importDirectory(modelDir, name, "a");
            };
            Callable<Manifest> second = () -> {
                start.await();
                return secondHandle.importDirectory(other, name, "b");
            };
            Future<Manifest> f1 = pool.submit(first);
            Future<Manifest> f2 = pool.submit(second);
            Set<Manifest> results = Set.of(f1.get(30, TimeUnit.SECONDS), f2.get(30, TimeUnit.SECONDS));
            assertThat(results).contains(store.manifest(name).orElseThrow());
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.materialize(name)).isDirectory();
        assertThat(blobFiles()).hasSize(TinyModelDirectory.FILES);
        assertThat(allFiles()).noneMatch(p -> p.getFileName().toString().contains("tmp-"));
    }

    @Test
    void createFromAStoredModelOverridesParametersTemplateAndSystem() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("base"), null);
        Manifest base = store.manifest(ModelName.parse("base")).orElseThrow();
        Modelfile first = Modelfile.parse("FROM base\nPARAMETER temperature 0.3\nPARAMETER stop <eot>\nSYSTEM You are terse.\n");
        store.create(ModelName.parse("alice/terse"), first, "alice", tmp);
        Modelfile second = Modelfile.parse("FROM alice/terse\nPARAMETER top_k 5\nTEMPLATE \"\"\"{{ .Prompt }}\"\"\"\nLICENSE MIT\n");
        Manifest derived = store.create(ModelName.parse("alice/terse:v2"), second, "alice", tmp);

        assertThat(derived.config()).isEqualTo(base.config());
        assertThat(derived.layer(LayerType.WEIGHTS)).isEqualTo(base.layer(LayerType.WEIGHTS));
        ModelDetails details = store.show(ModelName.parse("alice/terse:v2"));
        assertThat(details.parameters()).containsExactly(Map.entry("temperature", 0.3), Map.entry("stop", List.of("<eot>")),
                Map.entry("top_k", 5));
        assertThat(details.system()).isEqualTo("You are terse.");
        assertThat(details.template()).isEqualTo("{{ .Prompt }}");
        assertThat(details.license()).isEqualTo("MIT");
        assertThat(details.owner()).isEqualTo("alice");
        assertThat(Modelfile.parse(details.modelfile().render()).parameters()).isEqualTo(details.parameters());
        assertThat(store.materialize(ModelName.parse("alice/terse:v2")).resolve("system")).hasContent("You are terse.");
    }

    @Test
    void createRefusesATemplateGenerationCannotRenderAndWritesNothing() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("base"), null);
        List<Path> before = allFiles();
        Modelfile unrenderable = new Modelfile("base", Map.of(), "{{ .Prompt }}{{ template \"x\" }}", null, null);
        assertThatThrownBy(() -> store.create(ModelName.parse("bad"), unrenderable, null, tmp))
                .isInstanceOf(ModelfileException.class).hasMessageContaining("TEMPLATE").hasMessageContaining("'{{ template \"x\" }}'");
        assertThat(allFiles()).isEqualTo(before);
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactly("base:latest");
    }

    @Test
    void createFromADirectoryRelativeToTheModelfile() throws IOException {
        Manifest manifest = store.create(ModelName.parse("fromdir"), Modelfile.parse("FROM ./model\nSYSTEM hi\n"), null, tmp);
        assertThat(manifest.layer(LayerType.WEIGHTS)).isPresent();
        assertThat(store.show(ModelName.parse("fromdir")).system()).isEqualTo("hi");
    }

    @Test
    void createWithoutABaseDirectoryRefusesDirectories() {
        assertThatThrownBy(() -> store.create(ModelName.parse("x"), Modelfile.parse("FROM " + modelDir), null, null))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("no model of that name in the store");
    }

    @Test
    void createFromNothingKnownNamesTheSource() throws IOException {
        assertThatThrownBy(() -> store.create(ModelName.parse("x"), Modelfile.parse("FROM nothing-here"), null, tmp))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("FROM 'nothing-here'");
        assertThat(store.manifest(ModelName.parse("x"))).isEmpty();
    }

    @Test
    void createRecordsTheQuantizationWithoutChangingTheBlobs() throws IOException {
        ModelName base = ModelName.parse("base");
        Manifest plain = store.importDirectory(modelDir, base, null);
        assertThat(Files.readString(home.resolve("manifests/library/base/latest"))).doesNotContain("quantization");
        assertThat(store.show(base).quantizationLevel()).isEqualTo("BF16");
        assertThat(store.show(base).weightFormat()).isEqualTo(WeightFormat.AS_STORED);
        assertThat(store.show(base).loadedType()).contains(StorageType.BF16);

        ModelName q8 = ModelName.parse("base-q8");
        Manifest quantized = store.create(q8, Modelfile.parse("FROM base\n"), null, null, Quantization.parse("q8_0"));
        assertThat(quantized.quantization()).isEqualTo(Quantization.Q8_0);
        assertThat(quantized.allLayers()).isEqualTo(plain.allLayers());
        assertThat(Files.readString(home.resolve("manifests/library/base-q8/latest"))).contains("\"quantization\" : \"Q8_0\"");
        ModelDetails details = store.show(q8);
        assertThat(details.quantizationLevel()).isEqualTo("Q8_0");
        assertThat(details.weightFormat()).isEqualTo(WeightFormat.Q8_0);
        // Stored BF16, applied Q8_0 at load.
        assertThat(details.storedType()).contains(StorageType.BF16);
        assertThat(details.loadedType()).contains(StorageType.Q8_0);
        assertThat(details.digest()).isNotEqualTo(store.show(base).digest());

        // A model derived from a quantized one stays quantized, and so does an owner's copy.
        store.create(ModelName.parse("derived"), Modelfile.parse("FROM base-q8\nSYSTEM hi\n"), null, null);
        assertThat(store.show(ModelName.parse("derived")).quantization()).isEqualTo(Quantization.Q8_0);
        store.copy(q8, ModelName.parse("bob/q8"), "bob");
        assertThat(store.show(ModelName.parse("bob/q8")).quantization()).isEqualTo(Quantization.Q8_0);
    }

    @Test
    void unsupportedQuantizationsAreRefusedByName() {
        assertThat(Quantization.parse("Q8_0")).isEqualTo(Quantization.Q8_0);
        for (String bad : List.of("q4_K_M", "", "q8", "f16")) {
            assertThatThrownBy(() -> Quantization.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("supported: q8_0");
        }
        assertThatThrownBy(() -> Quantization.parse(null)).hasMessageContaining("supported: q8_0");
    }

    @Test
    void manifestWithAnUnknownQuantizationIsCorrupt() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("good"), null);
        Path path = home.resolve("manifests/library/good/latest");
        String json = Files.readString(path);
        Files.writeString(path, json.replaceFirst("\\{", "{\"quantization\": \"q2_k\","));
        assertThatThrownBy(() -> store.show(ModelName.parse("good"))).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("corrupt manifest").hasMessageContaining("unsupported quantization 'q2_k'");
    }

    @Test
    void corruptManifestIsNamedAndNotListed() throws IOException {
        store.importDirectory(modelDir, ModelName.parse("good"), null);
        Path bad = home.resolve("manifests/library/bad/latest");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "{\"schemaVersion\": 1, \"config\": {\"mediaType\": \"application/vnd.bastion.model.config\","
                + " \"digest\": \"sha256:" + "0".repeat(64) + "\", \"size\": 1, \"fileName\": \"../../etc/passwd\"},"
                + " \"layers\": [], \"createdAt\": \"2026-01-01T00:00:00Z\"}");
        assertThat(store.list()).extracting(ModelInfo::name).containsExactly(ModelName.parse("good"));
        assertThatThrownBy(() -> store.materialize(ModelName.parse("bad"))).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("corrupt manifest").hasMessageContaining("unsafe fileName");
        store.delete(ModelName.parse("good"));
    }

    private void assertImportFailsCleanly(String messagePart) throws IOException {
        Path[] before = allFiles().toArray(Path[]::new);
        assertThatThrownBy(() -> store.importDirectory(modelDir, ModelName.parse("tiny"), null))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining(messagePart);
        assertThat(allFiles()).containsExactly(before);
    }

    private void ageBlobs() throws IOException {
        for (Path blob : blobFiles()) Files.setLastModifiedTime(blob, FileTime.from(Instant.now().minusSeconds(3600)));
    }

    private static void tamper(Path blob) throws IOException {
        blob.toFile().setWritable(true, true);
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 1] ^= 1;
        Files.write(blob, bytes);
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> files = Files.list(home.resolve("blobs"))) {
            return files.sorted().toList();
        }
    }

    private List<Path> allFiles() throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            return files.sorted().toList();
        }
    }
}
