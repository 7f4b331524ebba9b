package dev.bastion.store;

import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes a small but valid Hugging Face style model directory; different seeds give different weights. */
public final class TinyModelDirectory {
    public static final String CONFIG_JSON = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 16, "max_position_embeddings": 128,
             "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "torch_dtype": "float32", "tie_word_embeddings": true}
            """;
    public static final String TOKENIZER_JSON = """
            {"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}}
            """;

    private TinyModelDirectory() {}

    public static Path write(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), CONFIG_JSON);
        Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER_JSON);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        Files.writeString(dir.resolve("README.md"), "not part of the model");
        Random random = new Random(seed);
        float[] embeddings = new float[16 * 8];
        for (int i = 0; i < embeddings.length; i++) embeddings[i] = random.nextFloat();
        SafeTensorsWriter.builder()
                .add("model.embed_tokens.weight", DType.F32, new long[] {16, 8}, embeddings)
                .add("model.norm.weight", DType.F32, new long[] {8}, new float[] {1, 1, 1, 1, 1, 1, 1, 1})
                .write(dir.resolve("model.safetensors"));
        return dir;
    }
}
