package dev.bastion.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code import --ollama}: an Ollama models directory's model comes over verified, linked, and never half. */
class OllamaImportTest {

    static final String TEMPLATE = """
            {{- range .Messages }}<|im_start|>{{ .Role }}
            {{ .Content }}<|im_end|>
            {{ end }}<|im_start|>assistant
            """;
    static final String SECRET = "c2VjcmV0LWtleS1vZi10aGUtc2VydmVyLW5ldmVyLXRvLWJlLXNlZW4=";

    @TempDir
    Path tmp;
    ModelStore store;
    OllamaDirectory ollama;
    /** stories260K as an F32 GGUF: what `ollama pull` would have left as the model blob. */
    static byte[] gguf;
    byte[] weights;
    String weightsDigest;

    @BeforeAll
    static void exportGguf(@TempDir Path dir) throws IOException {
        gguf = Files.readAllBytes(GgufExport.export(Stories260K.directory(), dir.resolve("stories.gguf"), StorageType.F32,
                GgufModelExport.Vocabulary.LLAMA));
    }

    @BeforeEach
    void setUp() throws IOException {
        store = new ModelStore(tmp.resolve("home"));
        ollama = new OllamaDirectory(tmp.resolve("ollama"));
        weights = gguf.clone();
        weightsDigest = ollama.blob(weights);
        ((com.fasterxml.jackson.databind.node.ArrayNode) ollama.manifest.get("layers"))
                .add(ollama.descriptor(OllamaModels.MODEL, weightsDigest));
    }

    private ModelStore.OllamaImport importIt(String reference) throws IOException {
        OllamaModels.Model model = OllamaModels.read(ollama.root, reference);
        return store.importOllama(model, OllamaModels.storeName(reference), null);
    }

    private void assertRefused(String reference, String message) throws IOException {
        List<Path> before = files(store.home());
        assertThatThrownBy(() -> importIt(reference)).isInstanceOf(InvalidModelException.class).hasMessageContaining(message)
                .message().doesNotContain(tmp.toString()).doesNotContain(SECRET);
        assertThat(store.list()).isEmpty();
        assertThat(files(store.home())).isEqualTo(before);
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(".lock")).sorted().toList();
        }
    }

    @Test
    void aModelComesOverLinkedWithItsTemplateParametersSystemAndLicense() throws IOException {
        ollama.layer(OllamaModels.TEMPLATE, TEMPLATE).layer(OllamaModels.SYSTEM, "You are terse.")
                .layer(OllamaModels.LICENSE, "License A").layer(OllamaModels.LICENSE, "License B")
                .layer(OllamaModels.PARAMS, "{\"stop\": [\"<|im_end|>\", \"<|im_start|>\"], \"temperature\": 0.6, \"num_ctx\": 4096,"
                        + " \"mirostat\": 0}")
                .layer("application/vnd.ollama.image.projector", new byte[] {1, 2, 3});
        Path manifest = ollama.writeManifest("smollm2", "135m");
        FileTime mtime = Files.getLastModifiedTime(ollama.blobPath(weightsDigest));
        Object mode = Files.getAttribute(ollama.blobPath(weightsDigest), "posix:permissions");
        byte[] manifestBytes = Files.readAllBytes(manifest);

        OllamaModels.Model model = OllamaModels.read(ollama.root, "smollm2:135m");
        assertThat(model.warnings()).containsExactly("left out the parameter 'mirostat', which Bastion does not use",
                "left out the vision projector: Bastion serves the text model only");
        ModelStore.OllamaImport imported = store.importOllama(model, OllamaModels.storeName("smollm2:135m"), null);

        assertThat(imported.linked()).isTrue();
        ModelName name = ModelName.parse("smollm2:135m");
        ModelDetails details = store.show(name);
        assertThat(details.template()).isEqualTo(TEMPLATE);
        assertThat(details.system()).isEqualTo("You are terse.");
        assertThat(details.license()).isEqualTo("License A\n\nLicense B");
        assertThat(details.parameters()).isEqualTo(Map.of("stop", List.of("<|im_end|>", "<|im_start|>"), "temperature", 0.6,
                "num_ctx", 4096));
        assertThat(store.list()).extracting(ModelInfo::name).containsExactly(name);
        Path dir = store.materialize(name);
        assertThat(Files.readAllBytes(dir.resolve("model.gguf"))).isEqualTo(weights);
        assertThat(Files.isSameFile(dir.resolve("model.gguf"), ollama.blobPath(weightsDigest))).isTrue(); // linked, not copied
        // Ollama's files are left as they were
        assertThat(Files.getLastModifiedTime(ollama.blobPath(weightsDigest))).isEqualTo(mtime);
        assertThat(Files.getAttribute(ollama.blobPath(weightsDigest), "posix:permissions")).isEqualTo(mode);
        assertThat(Files.readAllBytes(manifest)).isEqualTo(manifestBytes);
        assertThat(store.verify().problems()).isEmpty();
        // and removing the model from Bastion leaves Ollama's blob in place
        store.delete(name);
        assertThat(Files.readAllBytes(ollama.blobPath(weightsDigest))).isEqualTo(weights);
    }

    @Test
    void onAnotherFileSystemTheWeightsAreCopied() throws IOException {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "no second file system at /dev/shm");
        Path other = Files.createTempDirectory(shm, "ollama-");
        try {
            OllamaDirectory elsewhere = new OllamaDirectory(other.resolve("models"));
            String digest = elsewhere.blob(weights);
            ((com.fasterxml.jackson.databind.node.ArrayNode) elsewhere.manifest.get("layers"))
                    .add(elsewhere.descriptor(OllamaModels.MODEL, digest));
            elsewhere.writeManifest("m", "latest");
            ModelStore.OllamaImport imported = store.importOllama(OllamaModels.read(elsewhere.root, "m"),
                    ModelName.parse("m"), null);
            assertThat(imported.linked()).isFalse();
            Path blob = store.materialize(ModelName.parse("m")).resolve("model.gguf");
            assertThat(Files.readAllBytes(blob)).isEqualTo(weights);
            assertThat(Files.isSameFile(blob, elsewhere.blobPath(digest))).isFalse();
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(blob.toRealPath())))
                    .as("the store's own copy is read-only").isEqualTo("r--------");
        } finally {
            StoreFiles.deleteRecursively(other);
        }
    }

    @Test
    void otherHostsAndNamespacesAndTheDefaultTag() throws IOException {
        ollama.writeManifest("hf.co", "bartowski", "SmolLM2-GGUF", "latest");
        importIt("hf.co/bartowski/SmolLM2-GGUF");
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactly("bartowski/smollm2-gguf:latest");
    }

    @Test
    void theDefaultDirectoryIsOllamaModelsElseTheHomes() {
        assertThat(OllamaModels.defaultDirectory(Map.of("OLLAMA_MODELS", "/srv/ollama"))).isEqualTo(Path.of("/srv/ollama"));
        assertThat(OllamaModels.defaultDirectory(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".ollama", "models"));
    }

    @Test
    void weightsThatDoNotMatchTheirDigestAreRefusedAndNothingIsLeft() throws IOException {
        ollama.writeManifest("m", "latest");
        byte[] tampered = weights.clone();
        tampered[500] ^= 1;
        Path blob = ollama.blobPath(weightsDigest);
        Files.write(blob, tampered);
        assertRefused("m", "does not match its digest");
        assertThat(Files.readAllBytes(blob)).isEqualTo(tampered); // not "repaired", not removed
    }

    @Test
    void aTemplateThatDoesNotMatchItsDigestIsRefused() throws IOException {
        ollama.layer(OllamaModels.TEMPLATE, TEMPLATE);
        ollama.writeManifest("m", "latest");
        ObjectNode template = (ObjectNode) ollama.manifest.get("layers").get(1);
        Files.writeString(ollama.blobPath(template.get("digest").asText()), TEMPLATE.replace("im_start", "im_START"));
        assertRefused("m", "template blob sha256-");
    }

    @Test
    void digestsThatAreNoDigestsAreRefused() throws IOException {
        for (String digest : List.of("sha256:../../../home/secret.key", "../" + weightsDigest, "sha256-/etc/passwd",
                weightsDigest.toUpperCase(), "sha512:" + weightsDigest.substring(7))) {
            ((ObjectNode) ollama.manifest.get("layers").get(0)).put("digest", digest);
            ollama.writeManifest("m", "latest");
            assertRefused("m", "which is not a sha256 digest");
        }
    }

    @Test
    void aMissingBlobIsNamed() throws IOException {
        ollama.writeManifest("m", "latest");
        Files.delete(ollama.blobPath(weightsDigest));
        assertRefused("m", "the model blob sha256-" + weightsDigest.substring(7) + " of registry.ollama.ai/library/m:latest is missing");
    }

    @Test
    void aBlobOfAnotherSizeThanTheManifestSaysIsRefused() throws IOException {
        ((ObjectNode) ollama.manifest.get("layers").get(0)).put("size", weights.length + 1);
        ollama.writeManifest("m", "latest");
        assertRefused("m", "has " + weights.length + " bytes, its manifest says " + (weights.length + 1));
    }

    @Test
    void anOversizedOrMalformedManifestIsRefused() throws IOException {
        Path manifest = ollama.writeManifest("m", "latest");
        byte[] huge = new byte[(int) OllamaModels.MAX_MANIFEST_BYTES + 10];
        Arrays.fill(huge, (byte) ' ');
        Files.write(manifest, huge);
        assertRefused("m", "is larger than 1048576 bytes");
        Files.writeString(manifest, "{\"schemaVersion\": 2, \"layers\": [");
        assertRefused("m", "is not valid JSON");
        Files.writeString(manifest, "{\"schemaVersion\": 1, \"layers\": []}");
        assertRefused("m", "is not an Ollama manifest");
        Files.writeString(manifest, "{\"schemaVersion\": 2, \"layers\": []}");
        assertRefused("m", "has no model layer");
    }

    @Test
    void symbolicLinksOutOfTheDirectoryAreRefused() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.key"), SECRET);
        String secretDigest = "sha256:" + java.util.HexFormat.of().formatHex(OllamaDirectory.sha256(SECRET.getBytes(StandardCharsets.UTF_8)));
        Path link = ollama.blobPath(secretDigest);
        Files.createSymbolicLink(link, secret);
        ollama.layer(OllamaModels.LICENSE, new byte[0]);
        ((ObjectNode) ollama.manifest.get("layers").get(1)).put("digest", secretDigest).put("size", SECRET.length());
        ollama.writeManifest("m", "latest");
        assertRefused("m", "the license blob sha256-" + secretDigest.substring(7) + " is a symbolic link out of the Ollama models directory");

        Files.delete(link);
        Path weightsBlob = ollama.blobPath(weightsDigest);
        Path outside = Files.write(tmp.resolve("elsewhere.gguf"), weights);
        Files.delete(weightsBlob);
        Files.createSymbolicLink(weightsBlob, outside);
        ollama.manifest.withArray("layers").remove(1);
        ollama.writeManifest("m", "latest");
        assertRefused("m", "is a symbolic link out of the Ollama models directory");

        Path manifest = ollama.writeManifest("n", "latest");
        Files.delete(manifest);
        Files.createSymbolicLink(manifest, secret);
        assertRefused("n", "the manifest of registry.ollama.ai/library/n:latest is a symbolic link out of");
    }

    @Test
    void aBlobThatIsNoRegularFileIsRefused() throws IOException {
        ollama.writeManifest("m", "latest");
        Path blob = ollama.blobPath(weightsDigest);
        Files.delete(blob);
        Files.createDirectory(blob);
        assertRefused("m", "the model blob sha256-" + weightsDigest.substring(7) + " is not a regular file");
        Files.delete(blob);
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", blob.toString()).inheritIO().start().onExit()
                .join().exitValue() == 0, "mkfifo is not available");
        assertRefused("m", "is not a regular file"); // never opened: a FIFO would block the import
    }

    @Test
    void aBlobSwappedForASymbolicLinkAfterItWasCheckedIsRefused() throws IOException {
        Path elsewhere = Files.write(tmp.resolve("elsewhere.gguf"), weights);
        Path link = Files.createSymbolicLink(ollama.root.resolve("swapped"), elsewhere);
        OllamaModels.Model swapped = new OllamaModels.Model("m", new OllamaModels.Blob(link, weightsDigest, weights.length),
                Map.of(), null, null, null, List.of());
        List<Path> before = files(store.home());
        assertThatThrownBy(() -> store.importOllama(swapped, ModelName.parse("m"), null))
                .hasMessage("the model blob sha256-" + weightsDigest.substring(7) + " is not a regular file");
        assertThat(files(store.home())).isEqualTo(before);
        assertThat(store.list()).isEmpty();
    }

    @Test
    void aSymbolicLinkToABlobOfTheDirectoryIsFollowed() throws IOException {
        Path blob = ollama.blobPath(weightsDigest);
        Path moved = Files.move(blob, ollama.root.resolve("kept.gguf"));
        Files.createSymbolicLink(blob, moved);
        ollama.writeManifest("m", "latest");
        importIt("m");
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void namesThatAreNoOllamaNamesAreRefused() throws IOException {
        ollama.writeManifest("m", "latest");
        for (String reference : List.of("../m", "a/b/c/d", "m:../../x", "..", "a/../m", "m:", "", "m/")) {
            assertRefused(reference, "is not an Ollama model name");
        }
        assertRefused("nope", "no model registry.ollama.ai/library/nope:latest in the Ollama models directory");
    }

    @Test
    void anAdapterOrASecondModelLayerIsRefused() throws IOException {
        ollama.layer("application/vnd.ollama.image.adapter", new byte[] {1});
        ollama.writeManifest("m", "latest");
        assertRefused("m", "has a LoRA adapter layer");
        ollama.manifest.withArray("layers").remove(1);
        ollama.layer(OllamaModels.MODEL, new byte[] {1, 2});
        ollama.writeManifest("m", "latest");
        assertRefused("m", "has more than one model layer");
    }

    @Test
    void aTemplateGenerationCannotRenderIsRefusedBeforeAnythingIsWritten() throws IOException {
        ollama.layer(OllamaModels.TEMPLATE, "{{ .Messages }}{{ define \"x\" }}{{ end }}");
        ollama.writeManifest("m", "latest");
        List<Path> before = files(store.home());
        assertThatThrownBy(() -> importIt("m")).hasMessageContaining("TEMPLATE: unsupported template construct");
        assertThat(files(store.home())).isEqualTo(before);
    }

    @Test
    void weightsThatMatchTheirDigestButAreNoLoadableGgufLeaveNoModelAndNoBlob() throws IOException {
        byte[] truncated = Arrays.copyOf(gguf, gguf.length / 2);
        String digest = ollama.blob(truncated);
        ((ObjectNode) ollama.manifest.get("layers").get(0)).put("digest", digest).put("size", truncated.length);
        ollama.layer(OllamaModels.TEMPLATE, TEMPLATE);
        ollama.writeManifest("m", "latest");
        assertRefused("m", "invalid GGUF file: sha256-" + digest.substring(7));
        assertThat(Files.readAllBytes(ollama.blobPath(digest))).isEqualTo(truncated);
    }

    @Test
    void invalidParametersAreRefusedByName() throws IOException {
        ollama.layer(OllamaModels.PARAMS, "{\"temperature\": \"hot\"}");
        ollama.writeManifest("m", "latest");
        assertRefused("m", "parameter 'temperature' expects a number");
    }
}
