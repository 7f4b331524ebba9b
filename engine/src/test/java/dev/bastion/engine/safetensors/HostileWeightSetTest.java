package dev.bastion.engine.safetensors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A hostile model directory: the index names shards and tensors that must be checked, never trusted. */
class HostileWeightSetTest {

    @TempDir
    Path root;
    Path modelDir;
    Path index;

    @BeforeEach
    void twoShards() throws IOException {
        modelDir = Files.createDirectory(root.resolve("model"));
        index = modelDir.resolve(WeightSet.INDEX_FILE);
        writeShard("a.safetensors", "x");
        writeShard("b.safetensors", "y");
        // A valid file outside the model directory, which traversal would reach.
        writeShardAt(root.resolve("outside.safetensors"), "x");
    }

    private void writeShard(String name, String... tensors) throws IOException {
        writeShardAt(modelDir.resolve(name), tensors);
    }

    private static void writeShardAt(Path file, String... tensors) throws IOException {
        SafeTensorsWriter writer = SafeTensorsWriter.builder();
        for (String tensor : tensors) writer.add(tensor, DType.F32, new long[] {1}, new float[] {1});
        writer.write(file);
    }

    private void writeIndex(String json) throws IOException {
        Files.writeString(index, json);
    }

    @Test
    void consistentIndexOpens() throws IOException {
        writeIndex("{\"metadata\":{},\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        try (WeightSet weights = WeightSet.open(modelDir)) {
            org.assertj.core.api.Assertions.assertThat(weights.names()).containsExactly("x", "y");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside.safetensors", "/etc/passwd", "a/b.safetensors", "sub\\\\a.safetensors",
            "a.safetensors\\u0000.txt", "..", ".", "", "C:a.safetensors"})
    void shardNamesOutsideTheDirectoryAreRejected(String jsonEscapedName) throws IOException {
        writeIndex("{\"weight_map\":{\"x\":\"" + jsonEscapedName + "\",\"y\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir))
                .isExactlyInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(index + ": tensor \"x\": shard name")
                .hasMessageContaining("is not a plain file name inside the model directory");
    }

    @Test
    void missingShardIsRejected() throws IOException {
        writeIndex("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"gone.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir)).isInstanceOf(SafeTensorsException.class)
                .hasMessage(index + ": tensor \"y\": shard file \"gone.safetensors\" does not exist");
    }

    @Test
    void tensorMissingFromItsShardIsRejected() throws IOException {
        writeIndex("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\",\"z\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir)).isInstanceOf(SafeTensorsException.class)
                .hasMessage(index + ": tensor \"z\": listed in weight_map but missing from shard \"b.safetensors\"");
    }

    @Test
    void tensorPresentInTwoShardsIsRejected() throws IOException {
        writeShard("b.safetensors", "x", "y");
        writeIndex("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir)).isInstanceOf(SafeTensorsException.class)
                .hasMessage(modelDir.resolve("b.safetensors") + ": tensor \"x\": duplicated: the index assigns it to shard \"a.safetensors\"");
    }

    @Test
    void unlistedTensorInAShardIsRejected() throws IOException {
        writeShard("b.safetensors", "y", "stale");
        writeIndex("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("tensor \"stale\": present in the shard but not listed in " + WeightSet.INDEX_FILE);
    }

    @Test
    void duplicateTensorInIndexIsRejected() throws IOException {
        writeIndex("{\"weight_map\":{\"x\":\"a.safetensors\",\"x\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir)).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("not valid JSON at line 1, column 39: duplicate field");
    }

    @Test
    void malformedIndexesAreRejected() throws IOException {
        String[][] cases = {
                {"{\"metadata\":{}}", "weight_map is missing or not a JSON object"},
                {"{\"weight_map\":[]}", "weight_map is missing or not a JSON object"},
                {"{\"weight_map\":{\"x\":7}}", "tensor \"x\": shard name is not a string: 7"},
                {"{\"weight_map\":", "index is not valid JSON"},
                {"[]", "weight_map is missing or not a JSON object"}};
        for (String[] testCase : cases) {
            writeIndex(testCase[0]);
            assertThatThrownBy(() -> WeightSet.open(modelDir)).as(testCase[0]).isInstanceOf(SafeTensorsException.class)
                    .hasMessageStartingWith(index + ": " + testCase[1]);
        }
    }

    @Test
    void corruptShardIsReportedByItsPath() throws IOException {
        Path corrupt = Files.write(modelDir.resolve("b.safetensors"), new byte[3]);
        writeIndex("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> WeightSet.open(modelDir)).isInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(corrupt + ": file is 3 bytes");
    }
}
