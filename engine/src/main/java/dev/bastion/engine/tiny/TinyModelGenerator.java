package dev.bastion.engine.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ArchitectureSupport;
import dev.bastion.engine.safetensors.DType;
import dev.bastion.engine.safetensors.SafeTensorsWriter;
import dev.bastion.engine.safetensors.WeightSet;
import dev.bastion.engine.tokenizer.TinyTokenizers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes complete, deterministic Hugging Face model directories with random weights, so tests and benchmarks run real
 * inference without downloading anything. Weights are normal with std {@code 1/sqrt(fan_in)}, which keeps activations
 * and logits O(1); norm weights are near 1 and biases small but non-zero, so every tensor influences the output.
 */
public final class TinyModelGenerator {

    /** The tokenizer files written next to the weights. */
    public record TokenizerFiles(String tokenizerJson, String tokenizerConfigJson) {
        public TokenizerFiles {
            Objects.requireNonNull(tokenizerJson, "tokenizerJson");
            Objects.requireNonNull(tokenizerConfigJson, "tokenizerConfigJson");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_POSITIONS = 2048;

    private TinyModelGenerator() {}

    /**
     * Generates a model with the tiny tokenizer matching its family: byte-level BPE (ChatML) for Qwen2 and for
     * SmolLM/Llama-3-like Llama (tied embeddings or Llama 3 rope scaling); SentencePiece (Llama 2 {@code [INST]}) for
     * Mistral and other Llama.
     */
    public static Path generate(Path dir, Architecture arch, TinyModelSpec spec, long seed) throws IOException {
        return generate(dir, arch, spec, seed, defaultTokenizer(arch, spec));
    }

    static TokenizerFiles defaultTokenizer(Architecture arch, TinyModelSpec spec) {
        boolean byteLevel = switch (arch) {
            case QWEN2 -> true;
            case MISTRAL -> false;
            case LLAMA -> spec.tieEmbeddings() || spec.llama3RopeScaling();
        };
        return byteLevel
                ? new TokenizerFiles(TinyTokenizers.byteLevelJson(), TinyTokenizers.byteLevelConfigJson())
                : new TokenizerFiles(TinyTokenizers.sentencePieceJson(), TinyTokenizers.sentencePieceConfigJson());
    }

    /**
     * Writes {@code config.json}, weights, tokenizer files and {@code generation_config.json} into {@code dir}
     * (created if needed) and returns {@code dir}. The same arguments always produce the same files.
     */
    public static Path generate(Path dir, Architecture arch, TinyModelSpec spec, long seed, TokenizerFiles tokenizer) throws IOException {
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(spec, "spec");
        JsonNode tokenizerJson = parse(tokenizer.tokenizerJson(), "tokenizer.json");
        JsonNode tokenizerConfig = parse(tokenizer.tokenizerConfigJson(), "tokenizer_config.json");
        int tokenizerVocab = tokenizerVocabSize(tokenizerJson);
        int vocab = spec.vocabSize() == 0 ? tokenizerVocab : spec.vocabSize();
        if (vocab < tokenizerVocab) {
            throw new IllegalArgumentException("vocab size " + vocab + " is smaller than the tokenizer's " + tokenizerVocab + " tokens");
        }
        Files.createDirectories(dir);
        int bos = tokenId(tokenizerJson, tokenizerConfig, "bos_token");
        int eos = tokenId(tokenizerJson, tokenizerConfig, "eos_token");
        writeJson(dir.resolve("config.json"), config(arch, spec, vocab, bos, eos));
        writeWeights(dir, arch, spec, vocab, seed);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer.tokenizerJson(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer_config.json"), tokenizer.tokenizerConfigJson(), StandardCharsets.UTF_8);
        ObjectNode generation = JSON.createObjectNode();
        if (bos >= 0) generation.put("bos_token_id", bos);
        if (eos >= 0) generation.put("eos_token_id", eos);
        writeJson(dir.resolve("generation_config.json"), generation);
        return dir;
    }

    private static ObjectNode config(Architecture arch, TinyModelSpec spec, int vocab, int bos, int eos) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(arch.hfName());
        c.put("model_type", arch.name().toLowerCase(java.util.Locale.ROOT));
        c.put("hidden_size", spec.hiddenSize());
        c.put("intermediate_size", spec.intermediateSize());
        c.put("num_hidden_layers", spec.layers());
        c.put("num_attention_heads", spec.heads());
        c.put("num_key_value_heads", spec.kvHeads());
        c.put("head_dim", spec.headDim());
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", MAX_POSITIONS);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", arch == Architecture.QWEN2 ? 1e-6 : 1e-5);
        c.put("rope_theta", spec.llama3RopeScaling() ? 500000.0 : arch == Architecture.QWEN2 ? 1000000.0 : 10000.0);
        if (spec.llama3RopeScaling()) {
            // A short original context puts the tiny head's frequencies in all three bands (kept, smoothed, divided).
            ObjectNode rs = c.putObject("rope_scaling");
            rs.put("rope_type", "llama3");
            rs.put("factor", 8.0);
            rs.put("low_freq_factor", 1.0);
            rs.put("high_freq_factor", 4.0);
            rs.put("original_max_position_embeddings", 256);
        } else {
            c.putNull("rope_scaling");
        }
        c.put("tie_word_embeddings", spec.tieEmbeddings());
        if (arch == Architecture.LLAMA) {
            c.put("attention_bias", false);
            c.put("mlp_bias", false);
        }
        if (arch == Architecture.MISTRAL) c.putNull("sliding_window");
        if (bos >= 0) c.put("bos_token_id", bos);
        if (eos >= 0) c.put("eos_token_id", eos);
        c.put("torch_dtype", switch (spec.dtype()) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        return c;
    }

    private static void writeWeights(Path dir, Architecture arch, TinyModelSpec spec, int vocab, long seed) throws IOException {
        int hidden = spec.hiddenSize();
        int qDim = spec.heads() * spec.headDim();
        int kvDim = spec.kvHeads() * spec.headDim();
        boolean bias = ArchitectureSupport.of(arch).defaultQkvBias();
        SafeTensorsWriter w = SafeTensorsWriter.builder();
        Tensors t = new Tensors(w, spec.dtype(), seed);
        t.matrix("model.embed_tokens.weight", vocab, hidden);
        for (int i = 0; i < spec.layers(); i++) {
            String p = "model.layers." + i + ".";
            t.norm(p + "input_layernorm.weight", hidden);
            t.matrix(p + "self_attn.q_proj.weight", qDim, hidden);
            t.matrix(p + "self_attn.k_proj.weight", kvDim, hidden);
            t.matrix(p + "self_attn.v_proj.weight", kvDim, hidden);
            if (bias) {
                t.bias(p + "self_attn.q_proj.bias", qDim);
                t.bias(p + "self_attn.k_proj.bias", kvDim);
                t.bias(p + "self_attn.v_proj.bias", kvDim);
            }
            t.matrix(p + "self_attn.o_proj.weight", hidden, qDim);
            t.norm(p + "post_attention_layernorm.weight", hidden);
            t.matrix(p + "mlp.gate_proj.weight", spec.intermediateSize(), hidden);
            t.matrix(p + "mlp.up_proj.weight", spec.intermediateSize(), hidden);
            t.matrix(p + "mlp.down_proj.weight", hidden, spec.intermediateSize());
        }
        t.norm("model.norm.weight", hidden);
        if (!spec.tieEmbeddings()) t.matrix("lm_head.weight", vocab, hidden);
        w.metadata("format", "pt");
        if (spec.shards() == 1) {
            w.write(dir.resolve(WeightSet.SINGLE_FILE));
        } else {
            // A single file left from an earlier generation would win over the new shards when loading.
            Files.deleteIfExists(dir.resolve(WeightSet.SINGLE_FILE));
            w.writeSharded(dir, spec.shards());
        }
    }

    /** Draws each tensor from its own stream (seed × name), so one tensor's values do not depend on the others. */
    private record Tensors(SafeTensorsWriter writer, DType dtype, long seed) {
        void matrix(String name, int rows, int cols) {
            add(name, new long[] {rows, cols}, (long) rows * cols, 0f, (float) (1 / Math.sqrt(cols)));
        }

        void norm(String name, int size) {
            add(name, new long[] {size}, size, 1f, 0.1f);
        }

        void bias(String name, int size) {
            add(name, new long[] {size}, size, 0f, 0.2f);
        }

        private void add(String name, long[] shape, long count, float mean, float std) {
            if (count > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor " + name + " is too large to generate");
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
            float[] values = new float[(int) count];
            for (int i = 0; i < values.length; i++) values[i] = (float) (mean + std * random.nextGaussian());
            writer.add(name, dtype, shape, values);
        }
    }

    private static int tokenizerVocabSize(JsonNode tokenizer) {
        int max = -1;
        for (JsonNode id : tokenizer.path("model").path("vocab")) max = Math.max(max, id.asInt());
        for (JsonNode added : tokenizer.path("added_tokens")) max = Math.max(max, added.path("id").asInt());
        if (max < 0) throw new IllegalArgumentException("tokenizer.json has no vocabulary (model.vocab is empty or missing)");
        return max + 1;
    }

    /** The id of the tokenizer config's bos/eos token, or -1 if it names none. */
    private static int tokenId(JsonNode tokenizer, JsonNode tokenizerConfig, String field) {
        JsonNode token = tokenizerConfig.path(field);
        String text = token.isObject() ? token.path("content").asText(null) : token.isTextual() ? token.asText() : null;
        if (text == null) return -1;
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (text.equals(added.path("content").asText())) return added.path("id").asInt();
        }
        JsonNode id = tokenizer.path("model").path("vocab").path(text);
        if (!id.isInt()) throw new IllegalArgumentException("tokenizer_config.json " + field + " '" + text + "' is not in tokenizer.json");
        return id.asInt();
    }

    private static JsonNode parse(String json, String what) throws IOException {
        JsonNode node = JSON.readTree(json);
        if (node == null || !node.isObject()) throw new IllegalArgumentException(what + " must be a JSON object");
        return node;
    }

    private static void writeJson(Path file, JsonNode node) throws IOException {
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
    }
}
