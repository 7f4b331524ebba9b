package dev.bastion.store;

import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.QuantizationMix;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LanguageModel;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code create --quantize}: the weights are stored quantized as one GGUF blob, the store shrinks, the model generates. */
class QuantizedCreateTest {

    @TempDir
    Path home;
    @TempDir
    Path work;

    private ModelStore store;

    @BeforeEach
    void open() throws IOException {
        store = new ModelStore(home);
    }

    @Test
    void q8_0OfAStoreModelIsAGgufBlobThatTellsTheReferenceStory() throws IOException {
        store.importDirectory(Stories260K.directory(), ModelName.parse("stories"), null);
        store.create(ModelName.parse("stories-chat"), Modelfile.parse("FROM stories\nSYSTEM \"Be brief.\"\nPARAMETER temperature 0.5\n"), null, null);
        List<int[]> progress = new ArrayList<>();
        Manifest q8 = store.createQuantized(ModelName.parse("stories-q8"), Modelfile.parse("FROM stories-chat\nPARAMETER top_k 7\n"),
                null, null, QuantizationMix.Q8_0, (done, total) -> progress.add(new int[] {done, total}));

        assertThat(q8.isGguf()).isTrue();
        assertThat(q8.allLayers()).extracting(Layer::type).containsExactlyInAnyOrder(LayerType.GGUF, LayerType.PARAMS, LayerType.SYSTEM);
        long base = store.manifest(ModelName.parse("stories")).orElseThrow().size();
        assertThat(q8.size()).isLessThan(base / 2);
        assertThat(progress).isNotEmpty();
        assertThat(progress.getLast()).containsExactly(progress.getLast()[1], progress.getLast()[1]);

        ModelDetails details = store.show(ModelName.parse("stories-q8"));
        assertThat(details.quantizationLevel()).isEqualTo("Q8_0");
        assertThat(details.system()).isEqualTo("Be brief.");
        assertThat(details.parameters()).containsEntry("temperature", 0.5).containsKey("top_k");

        try (Checkpoint checkpoint = ModelFormat.open(store.materialize(ModelName.parse("stories-q8")))) {
            assertThat(checkpoint.tensors().get("model.layers.0.mlp.up_proj.weight").type()).isEqualTo(StorageType.Q8_0);
            try (LanguageModel model = checkpoint.load(WeightFormat.AS_STORED)) {
                assertThat(greedy(model, 40)).containsExactly(Arrays.copyOf(Stories260K.reference().greedyIds(), 40));
            }
        }
    }

    @Test
    void q4_0FromADirectoryStartsTheReferenceStory() throws IOException {
        Path dir = Stories260K.copyTo(work.resolve("stories"));
        Manifest q4 = store.createQuantized(ModelName.parse("stories-q4"), Modelfile.parse("FROM ./stories\n"), null, work,
                QuantizationMix.Q4_0, QuantizeProgress.NONE);
        assertThat(q4.size()).isLessThan(Files.size(dir.resolve("model.safetensors")) / 2);
        assertThat(store.show(ModelName.parse("stories-q4")).quantizationLevel()).isEqualTo("Q4_0");
        try (LanguageModel model = ModelFormat.open(store.materialize(ModelName.parse("stories-q4"))).load(WeightFormat.AS_STORED)) {
            assertThat(greedy(model, 5)).containsExactly(Arrays.copyOf(Stories260K.reference().greedyIds(), 5));
        }
    }

    @Test
    void q4KMOfABf16ModelKeepsAboutAThirdOfItsBytes() throws IOException {
        Path dir = TinyModelFixture.model(work.resolve("wide"), Architecture.LLAMA,
                new TinyModelSpec(256, 512, 2, 4, 2, 0, DType.BF16, false, false, 1));
        store.importDirectory(dir, ModelName.parse("wide"), null);
        Manifest q = store.createQuantized(ModelName.parse("wide-q4km"), Modelfile.parse("FROM wide\n"), null, null,
                QuantizationMix.Q4_K_M, QuantizeProgress.NONE);
        long weights = Files.size(dir.resolve("model.safetensors"));
        System.out.printf("tiny 256-wide BF16 %d bytes of weights -> Q4_K_M GGUF %d bytes (with its vocabulary)%n", weights, q.size());
        assertThat(q.size()).isLessThan(weights * 2 / 5);
        assertThat(store.show(ModelName.parse("wide-q4km")).quantizationLevel()).isEqualTo("Q4_K_M");
        try (Checkpoint c = ModelFormat.open(store.materialize(ModelName.parse("wide-q4km")))) {
            assertThat(c.tensors().get("model.layers.0.self_attn.q_proj.weight").type()).isEqualTo(StorageType.Q4_K);
            // llama.cpp's use_more_bits(layer, 2) holds for the last layer only
            assertThat(c.tensors().get("model.layers.0.mlp.down_proj.weight").type()).isEqualTo(StorageType.Q4_K);
            assertThat(c.tensors().get("model.layers.1.mlp.down_proj.weight").type()).isEqualTo(StorageType.Q6_K);
            assertThat(c.tensors().get("lm_head.weight").type()).isEqualTo(StorageType.Q6_K);
        }
    }

    @Test
    void refusesGgufBasesAndUnknownBasesBeforeWritingAnything() throws IOException {
        store.createQuantized(ModelName.parse("stories-q8"), Modelfile.parse("FROM ./" + Stories260K.directory().getFileName() + "\n"), null,
                Stories260K.directory().getParent(), QuantizationMix.Q8_0, QuantizeProgress.NONE);
        assertThatThrownBy(() -> store.createQuantized(ModelName.parse("again"), Modelfile.parse("FROM stories-q8\n"), null, null,
                QuantizationMix.Q4_0, QuantizeProgress.NONE)).isInstanceOf(InvalidModelException.class).hasMessageContaining("is a GGUF model");
        assertThatThrownBy(() -> store.createQuantized(ModelName.parse("x"), Modelfile.parse("FROM nothing\n"), null, null,
                QuantizationMix.Q4_0, QuantizeProgress.NONE)).isInstanceOf(InvalidModelException.class).hasMessageContaining("no model of that name");
        assertThat(store.list()).extracting(m -> m.name().toString()).containsExactly("stories-q8:latest");
        try (var runtime = Files.list(home.resolve("runtime"))) {
            assertThat(runtime.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
        }
    }

    /** A directory's files are checked as an import checks them: a symbolic link could carry any readable file in. */
    @Test
    void refusesADirectoryWithALinkedFileAndWritesNothing() throws IOException {
        Path dir = Stories260K.copyTo(work.resolve("linked"));
        Path secret = Files.writeString(work.resolve("secret.json"), "{\"not\": \"a tokenizer\"}");
        Files.delete(dir.resolve("tokenizer.json"));
        Files.createSymbolicLink(dir.resolve("tokenizer.json"), secret);
        assertThatThrownBy(() -> store.createQuantized(ModelName.parse("linked"), Modelfile.parse("FROM ./linked\n"), null, work,
                QuantizationMix.Q8_0, QuantizeProgress.NONE)).isInstanceOf(InvalidModelException.class).hasMessageContaining("symbolic link");
        assertThat(store.list()).isEmpty();
        try (var blobs = Files.list(home.resolve("blobs"))) {
            assertThat(blobs).isEmpty();
        }
    }

    private static int[] greedy(LanguageModel model, int steps) {
        InferenceState state = model.newState(steps + 1);
        int[] out = new int[steps];
        int token = 1;
        for (int i = 0; i < steps; i++) {
            float[] logits = model.forward(state, token, i);
            int best = 0;
            for (int v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
            out[i] = token = best;
        }
        return out;
    }

}
