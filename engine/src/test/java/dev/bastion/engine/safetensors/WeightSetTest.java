package dev.bastion.engine.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WeightSetTest {

    @TempDir
    Path dir;

    private static SafeTensorsWriter fiveTensors() {
        SafeTensorsWriter writer = SafeTensorsWriter.builder().metadata("format", "pt");
        for (int i = 0; i < 5; i++) {
            writer.add("layer." + i + ".weight", i % 2 == 0 ? DType.F32 : DType.BF16, new long[] {2, i + 1},
                    values(2 * (i + 1), i));
        }
        return writer;
    }

    private static float[] values(int count, int seed) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) values[i] = seed + i * 0.5f;   // exactly representable in BF16
        return values;
    }

    @Test
    void opensSingleFileModel() throws IOException {
        fiveTensors().write(dir.resolve(WeightSet.SINGLE_FILE));
        try (WeightSet weights = WeightSet.open(dir)) {
            assertThat(weights.names()).hasSize(5).first().isEqualTo("layer.0.weight");
            assertThat(weights.contains("layer.3.weight")).isTrue();
            assertThat(weights.contains("layer.9.weight")).isFalse();
            assertThat(weights.readFloats("layer.3.weight")).containsExactly(values(8, 3));
            assertThat(weights.info("layer.3.weight").dtype()).isEqualTo(DType.BF16);
        }
    }

    @Test
    void opensShardedModelWrittenByTheWriter() throws IOException {
        fiveTensors().writeSharded(dir, 3);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                    "model-00003-of-00003.safetensors", WeightSet.INDEX_FILE);
        }
        try (WeightSet weights = WeightSet.open(dir)) {
            assertThat(weights.names()).containsExactly(
                    "layer.0.weight", "layer.1.weight", "layer.2.weight", "layer.3.weight", "layer.4.weight");
            for (int i = 0; i < 5; i++) {
                String name = "layer." + i + ".weight";
                assertThat(weights.readFloats(name)).as(name).containsExactly(values(2 * (i + 1), i));
                assertThat(weights.data(name).byteSize()).isEqualTo(weights.info(name).byteLength());
            }
            assertThatThrownBy(() -> weights.info("missing.weight"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.weight");
        }
    }

    @Test
    void closeUnmapsEveryShard() throws IOException {
        fiveTensors().writeSharded(dir, 2);
        WeightSet weights = WeightSet.open(dir);
        var first = weights.data("layer.0.weight");
        var last = weights.data("layer.4.weight");
        weights.close();
        assertThatThrownBy(() -> first.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> last.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void writerRefusesMoreShardsThanTensors() {
        assertThatThrownBy(() -> fiveTensors().writeSharded(dir, 6)).hasMessage("cannot split 5 tensors into 6 shards");
        assertThatThrownBy(() -> fiveTensors().writeSharded(dir, 0)).hasMessage("cannot split 5 tensors into 0 shards");
    }

    @Test
    void emptyDirectoryIsRejected() {
        assertThatThrownBy(() -> WeightSet.open(dir))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(WeightSet.SINGLE_FILE).hasMessageContaining(WeightSet.INDEX_FILE);
    }
}
