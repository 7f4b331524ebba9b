package dev.bastion.engine.format;

import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ArchitectureSupport;
import dev.bastion.engine.model.WeightFormat;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.Stories260K;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFormatTest {

    @TempDir
    Path tmp;

    @Test
    void opensARealModelDirectoryWithItsTensorsSizesAndParameterCount() throws IOException {
        try (Checkpoint model = ModelFormat.open(Stories260K.directory())) {
            assertThat(model.format().name()).isEqualTo("safetensors");
            assertThat(model.config().architecture()).isEqualTo(Architecture.LLAMA);
            assertThat(model.tokenizer().vocabSize()).isEqualTo(512);
            assertThat(model.tokenizerConfig().bosToken()).isEqualTo("<s>");
            assertThat(model.generationEosTokenIds()).containsExactly(2);
            assertThat(model.tensors().get("model.layers.0.self_attn.k_proj.weight"))
                    .isEqualTo(new TensorEntry("model.layers.0.self_attn.k_proj.weight", StorageType.F32, new long[] {32, 64}));
            // As SOURCE.md states; tied embeddings, so no lm_head.
            assertThat(model.parameterCount()).isEqualTo(260_032).isEqualTo(ArchitectureSupport.parameterCount(model.config()));
            assertThat(model.residentBytes(WeightFormat.AS_STORED)).isEqualTo(260_032L * 4);
            // Q8_0: embeddings and every matrix of 64 columns become 1 byte per weight and 4 per 32-weight block; down_proj
            // (172 columns) stays F32, the norms are F32 arrays.
            long q8 = (32_768 + 32_768 / 32 * 4) + 5 * ((34_304 + 34_304 / 32 * 4) + 64 * 172 * 4 + 2 * 64 * 4) + 64 * 4;
            assertThat(model.residentBytes(WeightFormat.Q8_0)).isEqualTo(q8).isEqualTo(452_800);
        }
    }

    /** The config-only count (what listings show without opening weights) agrees with the tensors for every architecture. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void parameterCountFromTheConfigMatchesTheTensors(Architecture arch) throws IOException {
        Path dir = TinyModelFixture.tinyModel(tmp.resolve(arch.name()), arch);
        try (Checkpoint model = ModelFormat.open(dir)) {
            assertThat(ArchitectureSupport.parameterCount(model.config())).isEqualTo(model.parameterCount());
        }
    }

    @Test
    void f16MatricesCountTheirF32Copy() throws IOException {
        Path dir = TinyModelFixture.model(tmp, Architecture.LLAMA, TinyModelSpec.tiny(Architecture.LLAMA).withDtype(DType.F16));
        try (Checkpoint model = ModelFormat.open(dir)) {
            TensorEntry embed = model.tensors().get("model.embed_tokens.weight");
            assertThat(embed.type()).isEqualTo(StorageType.F16);
            assertThat(embed.residentBytes(WeightFormat.AS_STORED)).isEqualTo(2 * embed.storedBytes());
        }
    }

    @Test
    void pathsNoFormatRecognizesGetClearErrors() throws IOException {
        assertThatThrownBy(() -> ModelFormat.open(tmp.resolve("missing"))).isInstanceOf(IOException.class)
                .hasMessageContaining("not found").hasMessageContaining("missing");
        Path file = Files.writeString(tmp.resolve("model.bin"), "not a model");
        assertThatThrownBy(() -> ModelFormat.open(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("model.bin is not a model in a supported format (gguf, safetensors)");
    }

    @Test
    void storageTypesKnowTheirBlocks() {
        assertThat(StorageType.BF16.bytesFor(10)).isEqualTo(20);
        assertThat(StorageType.Q8_0.bytesFor(64)).isEqualTo(68);
        assertThat(StorageType.Q4_K.bytesFor(512)).isEqualTo(288);
        assertThatThrownBy(() -> StorageType.Q8_0.bytesFor(48)).hasMessageContaining("48 elements do not fill whole Q8_0 blocks of 32");
        assertThat(StorageType.fromTorchDtype("bfloat16")).contains(StorageType.BF16);
        assertThat(StorageType.fromTorchDtype("int8")).isEmpty();
        assertThat(StorageType.readableNames()).isEqualTo("F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K");
    }
}
