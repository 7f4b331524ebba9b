package dev.bastion.store;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.InferenceState;
import dev.bastion.engine.model.LlamaModel;
import dev.bastion.engine.tiny.TinyModelGenerator;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The directory {@link ModelStore#materialize} returns is one the engine loads, giving the same model as the source. */
class MaterializedModelTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void engineLoadsTheMaterializedModel(int shards) throws IOException {
        TinyModelSpec spec = TinyModelSpec.tiny(Architecture.QWEN2).withShards(shards);
        Path source = TinyModelGenerator.generate(tmp.resolve("source"), Architecture.QWEN2, spec, 3);
        ModelStore store = new ModelStore(tmp.resolve("home"));
        ModelName name = ModelName.parse("qwen-tiny");
        Manifest manifest = store.importDirectory(source, name, null);
        assertThat(manifest.layers().stream().filter(l -> l.type() == LayerType.WEIGHTS)).hasSize(shards == 1 ? 1 : shards + 1);

        Path materialized = store.materialize(name);

        try (LlamaModel original = LlamaModel.load(source); LlamaModel stored = LlamaModel.load(materialized)) {
            InferenceState a = original.newState(16);
            InferenceState b = stored.newState(16);
            assertThat(stored.forward(b, 5, 0)).containsExactly(original.forward(a, 5, 0));
        }
    }
}
