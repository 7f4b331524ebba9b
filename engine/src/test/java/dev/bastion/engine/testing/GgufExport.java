package dev.bastion.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.ModelFormat;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.format.TensorEntry;
import dev.bastion.engine.gguf.GgufTensorNames;
import dev.bastion.engine.gguf.GgufValue;
import dev.bastion.engine.gguf.GgufWriter;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.safetensors.Dtypes;
import dev.bastion.engine.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Exports a Hugging Face model directory to GGUF as llama.cpp's convert_hf_to_gguf.py would: its metadata keys, tensor
 * names, q/k rows permuted for arch llama, and the tokenizer as a {@code gpt2} (merges) or {@code llama} (SentencePiece
 * scores) vocabulary. For tests and benchmarks in any module (published in the engine's test-jar).
 */
public final class GgufExport {

    /** How the vocabulary is written: byte-level BPE with merges, or SentencePiece scores. */
    public enum Vocabulary { GPT2, LLAMA }

    /**
     * Converts an F32 matrix (rows × cols, row-major) to a storage type's bytes; F32 and F16 are built in, other types
     * come from a quantizer.
     */
    public interface Encoder extends BiFunction<float[], long[], MemorySegment> {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufExport() {}

    public static Path export(Path hfDir, Path gguf, StorageType matrixType, Vocabulary vocabulary) throws IOException {
        Encoder encoder = switch (matrixType) {
            case F32 -> (values, shape) -> MemorySegment.ofArray(values);
            case F16 -> (values, shape) -> {
                short[] half = new short[values.length];
                for (int i = 0; i < values.length; i++) half[i] = Dtypes.floatToF16(values[i]);
                return MemorySegment.ofArray(half);
            };
            default -> throw new IllegalArgumentException("pass an encoder for " + matrixType);
        };
        return export(hfDir, gguf, matrixType, encoder, vocabulary);
    }

    /** Matrices whose rows fill whole blocks of {@code matrixType} are encoded so; others, and vectors, stay F32. */
    public static Path export(Path hfDir, Path gguf, StorageType matrixType, Encoder encoder, Vocabulary vocabulary)
            throws IOException {
        try (Checkpoint checkpoint = ModelFormat.open(hfDir)) {
            ModelConfig c = checkpoint.config();
            String arch = c.architecture() == Architecture.QWEN2 ? "qwen2" : "llama";
            GgufWriter writer = new GgufWriter();
            writer.put("general.architecture", arch).put("general.name", hfDir.getFileName().toString())
                    .put(arch + ".context_length", GgufValue.uint32(c.maxPositionEmbeddings()))
                    .put(arch + ".embedding_length", GgufValue.uint32(c.hiddenSize()))
                    .put(arch + ".block_count", GgufValue.uint32(c.numLayers()))
                    .put(arch + ".feed_forward_length", GgufValue.uint32(c.intermediateSize()))
                    .put(arch + ".attention.head_count", GgufValue.uint32(c.numHeads()))
                    .put(arch + ".attention.head_count_kv", GgufValue.uint32(c.numKvHeads()))
                    .put(arch + ".rope.dimension_count", GgufValue.uint32(c.headDim()))
                    .put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.float32(c.rmsNormEps()))
                    .put(arch + ".rope.freq_base", GgufValue.float32(c.ropeTheta()));
            if (c.headDim() != c.hiddenSize() / c.numHeads()) {
                writer.put(arch + ".attention.key_length", GgufValue.uint32(c.headDim()))
                        .put(arch + ".attention.value_length", GgufValue.uint32(c.headDim()));
            }
            writeTokenizer(writer, hfDir, checkpoint, vocabulary);
            for (TensorEntry t : checkpoint.tensors().values()) {
                float[] values = checkpoint.readFloats(t.name());
                if (arch.equals("llama") && t.name().endsWith("self_attn.q_proj.weight")) {
                    values = permute(values, c.numHeads(), c.headDim(), c.hiddenSize());
                } else if (arch.equals("llama") && t.name().endsWith("self_attn.k_proj.weight")) {
                    values = permute(values, c.numKvHeads(), c.headDim(), c.hiddenSize());
                }
                long[] shape = t.shape();
                boolean encode = shape.length == 2 && shape[1] % matrixType.blockSize() == 0;
                if (encode) {
                    writer.tensor(GgufTensorNames.fromHf(t.name()), matrixType, shape, encoder.apply(values, shape));
                } else {
                    writer.tensor(GgufTensorNames.fromHf(t.name()), shape, values);
                }
            }
            writer.write(gguf);
        }
        return gguf;
    }

    /** convert_hf_to_gguf.py's LlamaModel.permute: within each head, row a*(d/2)+b moves to 2b+a. */
    public static float[] permute(float[] rows, int heads, int headDim, int cols) {
        float[] out = new float[rows.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < half; b++) {
                    int from = h * headDim + a * half + b;
                    int to = h * headDim + 2 * b + a;
                    System.arraycopy(rows, from * cols, out, to * cols, cols);
                }
            }
        }
        return out;
    }

    private static void writeTokenizer(GgufWriter writer, Path hfDir, Checkpoint checkpoint, Vocabulary vocabulary)
            throws IOException {
        JsonNode root = JSON.readTree(Files.readString(hfDir.resolve("tokenizer.json")));
        JsonNode model = root.get("model");
        int size = checkpoint.tokenizer().vocabSize();
        String[] tokens = new String[size];
        int[] types = new int[size];
        model.get("vocab").properties().forEach(e -> {
            tokens[e.getValue().asInt()] = e.getKey();
            types[e.getValue().asInt()] = e.getKey().matches("<0x[0-9A-F]{2}>") && vocabulary == Vocabulary.LLAMA ? 6 : 1;
        });
        for (JsonNode added : root.path("added_tokens")) {
            tokens[added.get("id").asInt()] = added.get("content").asText();
            types[added.get("id").asInt()] = added.path("special").asBoolean() ? 3 : 4;
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        writer.put("tokenizer.ggml.model", vocabulary == Vocabulary.LLAMA ? "llama" : "gpt2");
        writer.put("tokenizer.ggml.tokens", GgufValue.strings(List.of(tokens)));
        writer.put("tokenizer.ggml.token_type", GgufValue.int32s(types));
        if (vocabulary == Vocabulary.LLAMA) {
            writer.put("tokenizer.ggml.scores", GgufValue.float32s(scoresFromMerges(tokens, merges)));
        } else {
            writer.put("tokenizer.ggml.pre", root.toString().contains("\\\\p{N}{1,3}") ? "llama-bpe" : "gpt2");
            writer.put("tokenizer.ggml.merges", GgufValue.strings(merges));
        }
        TokenizerConfig tc = checkpoint.tokenizerConfig();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) ids.putIfAbsent(tokens[i], i);
        if (tc.bosToken() != null && ids.containsKey(tc.bosToken())) {
            writer.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(ids.get(tc.bosToken())));
        }
        if (tc.eosToken() != null && ids.containsKey(tc.eosToken())) {
            writer.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(ids.get(tc.eosToken())));
        }
        JsonNode unk = model.get("unk_token");
        if (unk != null && unk.isTextual() && ids.containsKey(unk.asText())) {
            writer.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(ids.get(unk.asText())));
        }
        if (tc.addBosToken() != null) writer.put("tokenizer.ggml.add_bos_token", GgufValue.bool(tc.addBosToken()));
        if (tc.chatTemplate() != null) writer.put("tokenizer.chat_template", tc.chatTemplate());
    }

    /** A merge's result scores by its rank (earlier merges higher); tokens no merge makes score below them all. */
    private static float[] scoresFromMerges(String[] tokens, List<String> merges) {
        Map<String, Integer> rank = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) rank.putIfAbsent(merges.get(r).replace(" ", ""), r);
        float[] scores = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            Integer r = rank.get(tokens[i]);
            scores[i] = r != null ? -r : -1e6f - i;
        }
        return scores;
    }
}
