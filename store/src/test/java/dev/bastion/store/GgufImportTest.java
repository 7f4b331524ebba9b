package dev.bastion.store;

import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.generate.LocalModelRuntime;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.gguf.GgufModelExport;
import dev.bastion.engine.testing.GgufExport;
import dev.bastion.engine.testing.Stories260K;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A .gguf file comes into the store as one validated blob, and comes out as a model the engine runs. */
class GgufImportTest {

    @TempDir
    Path tmp;
    ModelStore store;
    Path gguf;

    @BeforeEach
    void setUp() throws IOException {
        store = new ModelStore(tmp.resolve("home"));
        gguf = GgufExport.export(Stories260K.directory(), tmp.resolve("stories.gguf"), StorageType.F16, GgufModelExport.Vocabulary.LLAMA);
    }

    @Test
    void importedGgufIsOneBlobThatShowListAndTheEngineRead() throws IOException {
        ModelName name = ModelName.parse("stories:f16");
        Manifest manifest = store.importGguf(gguf, name, null);
        assertThat(manifest.isGguf()).isTrue();
        assertThat(manifest.allLayers()).hasSize(1);
        assertThat(manifest.config().fileName()).isEqualTo("model.gguf");
        assertThat(manifest.size()).isEqualTo(Files.size(gguf));

        ModelDetails details = store.show(name);
        assertThat(details.format()).isEqualTo("gguf");
        assertThat(details.architecture()).isEqualTo(Architecture.LLAMA);
        assertThat(details.quantizationLevel()).isEqualTo("F16");
        assertThat(details.contextLength()).isEqualTo(512);
        try (var checkpoint = ModelFormat.open(Stories260K.directory())) {
            assertThat(details.parameterCount()).isEqualTo(checkpoint.parameterCount());
        }
        assertThat(store.list()).singleElement().satisfies(info -> assertThat(info.quantizationLevel()).isEqualTo("F16"));

        Path materialized = store.materialize(name);
        try (LocalModelRuntime runtime = LocalModelRuntime.load(materialized);
             LanguageModel model = ModelFormat.open(materialized).load(WeightFormat.AS_STORED)) {
            assertThat(runtime.eosTokenIds()).contains(2);
            int[] expected = Arrays.copyOf(Stories260K.reference().greedyIds(), 10);
            assertThat(greedy(model, 10)).containsExactly(expected);
        }
    }

    @Test
    void aModelfileFromAGgufFileAddsItsParametersAndTemplate() throws IOException {
        Modelfile modelfile = Modelfile.parse("FROM ./stories.gguf\nPARAMETER temperature 0.3\nTEMPLATE \"{{ .Prompt }}\"\n");
        ModelName name = ModelName.parse("stories:custom");
        Manifest manifest = store.create(name, modelfile, null, tmp);
        assertThat(manifest.isGguf()).isTrue();
        ModelDetails details = store.show(name);
        assertThat(details.parameters()).containsEntry("temperature", 0.3);
        assertThat(details.template()).isEqualTo("{{ .Prompt }}");
        assertThat(store.materialize(name)).isDirectoryContaining(p -> p.getFileName().toString().equals("model.gguf"));
    }

    /** What an Ollama import brings beside the model blob: its template, system prompt, parameters and license. */
    @Test
    void importWithExtrasAddsTheirLayers() throws IOException {
        Modelfile extras = new Modelfile("ignored", java.util.Map.of("num_ctx", 128), "{{ .Prompt }}", "Be brief.", "MIT");
        ModelName name = ModelName.parse("stories:extras");
        Manifest manifest = store.importGguf(gguf, name, "alice", extras);
        assertThat(manifest.allLayers()).hasSize(5);
        ModelDetails details = store.show(name);
        assertThat(details.owner()).isEqualTo("alice");
        assertThat(details.system()).isEqualTo("Be brief.");
        assertThat(details.license()).isEqualTo("MIT");
        assertThat(details.parameters()).containsEntry("num_ctx", 128);
        assertThatThrownBy(() -> store.importGguf(gguf, ModelName.parse("bad"), null,
                new Modelfile("x", java.util.Map.of(), "{{ .Unknown | bogus }}", null, null))).isInstanceOf(ModelfileException.class);
    }

    @Test
    void malformedOrLinkedFilesAreRefusedBeforeAnythingIsStored() throws IOException {
        byte[] bytes = Files.readAllBytes(gguf);
        Path truncated = Files.write(tmp.resolve("truncated.gguf"), Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> store.importGguf(truncated, ModelName.parse("bad"), null))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("invalid GGUF file")
                .hasMessageNotContaining(tmp.toString());
        Path notAModel = Files.write(tmp.resolve("weights.gguf"), Arrays.copyOf(bytes, 24));
        assertThatThrownBy(() -> store.importDirectory(notAModel, ModelName.parse("bad"), null))
                .isInstanceOf(InvalidModelException.class);
        Path link = Files.createSymbolicLink(tmp.resolve("link.gguf"), gguf);
        assertThatThrownBy(() -> store.importGguf(link, ModelName.parse("bad"), null)).hasMessageContaining("symbolic link");
        Path hardLink = Files.createLink(tmp.resolve("hard.gguf"), gguf);
        assertThatThrownBy(() -> store.importGguf(hardLink, ModelName.parse("bad"), null)).hasMessageContaining("hard links");
        assertThat(store.list()).isEmpty();
        try (var blobs = Files.list(tmp.resolve("home").resolve("blobs"))) {
            assertThat(blobs.toList()).isEmpty();
        }
    }

    private static int[] greedy(LanguageModel model, int steps) {
        InferenceState state = model.newState(steps + 1);
        float[] logits = model.prefill(state, new int[] {1}, 0);
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            int best = 0;
            for (int v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
            out[i] = best;
            if (i + 1 < steps) logits = model.forward(state, best, i + 1);
        }
        return out;
    }
}
