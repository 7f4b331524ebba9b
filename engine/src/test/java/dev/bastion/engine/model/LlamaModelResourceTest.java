package dev.bastion.engine.model;

import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.testing.TinyModelFixture;
import dev.bastion.engine.tiny.TinyModelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A load that fails must unmap what it mapped, whatever the failure: a server retries loads and must not leak. */
class LlamaModelResourceTest {

    private static final Path MAPS = Path.of("/proc/self/maps");

    /**
     * An F16 embedding of 2^35 weights in a sparse file: widening it to F32 needs 128 GiB, so the load runs out of
     * memory (an Error, not an exception) after the file is mapped.
     */
    @Test
    void anOutOfMemoryLoadUnmapsTheWeights(@TempDir Path dir) throws IOException {
        assumeTrue(Files.isReadable(MAPS), "needs /proc/self/maps to see the mappings");
        long vocab = 1 << 20, hidden = 1 << 15;
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": %d, "intermediate_size": 64, "num_hidden_layers": 1,
                 "num_attention_heads": 8, "num_key_value_heads": 8, "vocab_size": %d}""".formatted(hidden, vocab));
        Path weights = dir.resolve("model.safetensors");
        long bytes = vocab * hidden * 2;
        byte[] header = ("{\"model.embed_tokens.weight\":{\"dtype\":\"F16\",\"shape\":[" + vocab + "," + hidden
                + "],\"data_offsets\":[0," + bytes + "]}}").getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile file = new RandomAccessFile(weights.toFile(), "rw")) {
            file.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            file.write(header);
            file.setLength(Long.BYTES + header.length + bytes);
        }

        assertThatThrownBy(() -> LlamaModel.load(dir)).isInstanceOf(OutOfMemoryError.class);
        assertThat(Files.readString(MAPS).contains(weights.toString())).as("%s is still mapped", weights).isFalse();
    }

    /** AutoCloseable asks for idempotent close; a scheduler that evicts and then shuts down closes twice. */
    @Test
    void closingTwiceIsHarmlessAndUnmapsTheWeights(@TempDir Path dir) throws IOException {
        Path modelDir = TinyModelFixture.model(dir, Architecture.LLAMA, TinyModelSpec.tiny(Architecture.LLAMA).withDtype(DType.F16));
        LlamaModel model = LlamaModel.load(modelDir, WeightFormat.Q8_0);
        model.close();
        assertThatCode(model::close).doesNotThrowAnyException();
        if (Files.isReadable(MAPS)) {
            assertThat(Files.readString(MAPS).contains(modelDir.resolve("model.safetensors").toString())).as("still mapped").isFalse();
        }
    }
}
