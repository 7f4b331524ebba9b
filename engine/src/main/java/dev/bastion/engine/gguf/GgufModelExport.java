package dev.bastion.engine.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.StorageType;
import dev.bastion.engine.format.TensorEntry;
import dev.bastion.engine.model.Architecture;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a checkpoint (typically a {@code QuantizedCheckpoint}) as a GGUF file laid out as llama.cpp's
 * convert_hf_to_gguf.py lays it out: its metadata keys, tensor names, q/k rows permuted for arch llama (whole rows,
 * so quantized blocks move as they are), Llama 3 RoPE scaling as {@code rope_freqs}, and the tokenizer from the
 * model's tokenizer.json ({@code llama} scores for byte-fallback vocabularies, else {@code gpt2} merges).
 */
public final class GgufModelExport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufModelExport() {}

    /** How the vocabulary is written: byte-level BPE with merges, or SentencePiece scores. */
    public enum Vocabulary { GPT2, LLAMA }

    /**
     * @param hfDir the Hugging Face directory {@code weights} was opened from (its tokenizer.json is read)
     * @param fileType llama.cpp's {@code general.file_type} (its LLAMA_FTYPE number), or null to leave it out
     */
    public static void write(Path hfDir, Checkpoint weights, Integer fileType, Path out) throws IOException {
        ModelConfig c = weights.config();
        String arch = architecture(c);
        GgufWriter writer = describe(hfDir, weights, null);
        if (fileType != null) writer.put("general.file_type", GgufValue.uint32(fileType));
        try (Arena arena = Arena.ofConfined()) {
            for (TensorEntry t : weights.tensors().values()) {
                long[] shape = t.shape();
                String name = GgufTensorNames.fromHf(t.name());
                if (shape.length != 2) {
                    writer.tensor(name, shape, weights.readFloats(t.name()));
                    continue;
                }
                MemorySegment data = weights.data(t.name());
                if (arch.equals("llama") && t.name().endsWith("self_attn.q_proj.weight")) {
                    data = permuteRows(data, c.numHeads(), c.headDim(), t.type().bytesFor(shape[1]), arena);
                } else if (arch.equals("llama") && t.name().endsWith("self_attn.k_proj.weight")) {
                    data = permuteRows(data, c.numKvHeads(), c.headDim(), t.type().bytesFor(shape[1]), arena);
                }
                writer.tensor(name, t.type(), shape, data);
            }
            writer.write(out);
        }
    }

    /**
     * A writer holding everything of {@code checkpoint}'s GGUF but its weights: the metadata, the tokenizer as
     * {@code vocabulary} says (null: {@code llama} for a byte-fallback tokenizer.json, else {@code gpt2}) and, for
     * Llama 3 RoPE scaling, {@code rope_freqs}.
     */
    public static GgufWriter describe(Path hfDir, Checkpoint checkpoint, Vocabulary vocabulary) throws IOException {
        ModelConfig c = checkpoint.config();
        String arch = architecture(c);
        GgufWriter writer = new GgufWriter();
        writer.put("general.architecture", arch).put("general.name", String.valueOf(hfDir.getFileName()))
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
        if (c.ropeScaling() != null) {
            writer.tensor(GgufTensorNames.ROPE_FREQS, new long[] {c.headDim() / 2}, ropeFreqFactors(c));
        }
        return writer;
    }

    /** GGUF's architecture name: Mistral files are {@code llama} too. */
    public static String architecture(ModelConfig c) {
        return c.architecture() == Architecture.QWEN2 ? "qwen2" : "llama";
    }

    /** convert_hf_to_gguf.py's permute for arch llama: within each head, row {@code a*(d/2)+b} moves to {@code 2b+a}. */
    public static MemorySegment permuteRows(MemorySegment rows, int heads, int headDim, long rowBytes, Arena arena) {
        MemorySegment out = arena.allocate(rows.byteSize(), 64);
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < half; b++) {
                    long from = (long) h * headDim + (long) a * half + b, to = (long) h * headDim + 2L * b + a;
                    MemorySegment.copy(rows, from * rowBytes, out, to * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    /** llama.cpp's Llama 3 frequency factors: how much RoPE scaling divides each inverse frequency by. */
    private static float[] ropeFreqFactors(ModelConfig c) {
        ModelConfig.RopeScaling s = c.ropeScaling();
        float[] factors = new float[c.headDim() / 2];
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        for (int i = 0; i < factors.length; i++) {
            double freq = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim());
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                factors[i] = 1f;
            } else if (wavelen > lowWavelen) {
                factors[i] = s.factor();
            } else {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                factors[i] = (float) (1 / ((1 - smooth) / s.factor() + smooth));
            }
        }
        return factors;
    }

    private static void writeTokenizer(GgufWriter writer, Path hfDir, Checkpoint checkpoint, Vocabulary vocabulary)
            throws IOException {
        JsonNode root = JSON.readTree(Files.readString(hfDir.resolve("tokenizer.json")));
        JsonNode model = root.get("model");
        boolean llama = vocabulary == null ? model.path("byte_fallback").asBoolean(false) : vocabulary == Vocabulary.LLAMA;
        int size = checkpoint.tokenizer().vocabSize();
        String[] tokens = new String[size];
        int[] types = new int[size];
        model.get("vocab").properties().forEach(e -> {
            int id = e.getValue().asInt();
            if (id < 0 || id >= size) return;
            tokens[id] = e.getKey();
            types[id] = llama && e.getKey().matches("<0x[0-9A-F]{2}>") ? 6 : 1; // BYTE, NORMAL
        });
        for (JsonNode added : root.path("added_tokens")) {
            int id = added.get("id").asInt();
            if (id < 0 || id >= size) continue;
            tokens[id] = added.get("content").asText();
            types[id] = added.path("special").asBoolean() ? 3 : 4; // CONTROL, USER_DEFINED
        }
        for (int i = 0; i < size; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = 5; // UNUSED
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        writer.put("tokenizer.ggml.model", llama ? "llama" : "gpt2");
        writer.put("tokenizer.ggml.tokens", GgufValue.strings(List.of(tokens)));
        writer.put("tokenizer.ggml.token_type", GgufValue.int32s(types));
        if (llama) {
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
        Integer eos = tc.eosToken() != null ? ids.get(tc.eosToken()) : null;
        if (eos != null) writer.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(eos));
        // End-of-turn tokens (config.json's extra EOS ids, generation_config.json's): GGUF holds two more, as eot and eom.
        Set<Integer> ends = new LinkedHashSet<>(checkpoint.config().eosTokenIds());
        ends.addAll(checkpoint.generationEosTokenIds());
        ends.remove(eos);
        ends.removeIf(id -> id < 0 || id >= size);
        Iterator<Integer> extra = ends.iterator();
        if (extra.hasNext()) writer.put("tokenizer.ggml.eot_token_id", GgufValue.uint32(extra.next()));
        if (extra.hasNext()) writer.put("tokenizer.ggml.eom_token_id", GgufValue.uint32(extra.next()));
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
