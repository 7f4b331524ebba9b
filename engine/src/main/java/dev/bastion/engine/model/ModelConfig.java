package dev.bastion.engine.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.engine.JsonErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hyper-parameters of a Llama-family model, read from a Hugging Face {@code config.json}.
 *
 * @param ropeScaling Llama 3 style frequency scaling, or null
 * @param eosTokenIds may be empty; the tokenizer config can add more
 * @param ropeStyle which elements of a head RoPE rotates together
 * @param ropeFreqFactors per-frequency divisors of the inverse frequencies (headDim/2 of them, GGUF's
 *                        {@code rope_freqs} tensor, how llama.cpp stores Llama 3 scaling), or null
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        float rmsNormEps,
        float ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        int bosTokenId,
        List<Integer> eosTokenIds,
        RopeStyle ropeStyle,
        float[] ropeFreqFactors) {

    /** The pairs RoPE rotates: Hugging Face's rotate_half, or GGUF llama's adjacent pairs (its q/k rows are permuted to match). */
    public enum RopeStyle {
        /** Element {@code i} pairs with {@code i + headDim/2} (HF transformers; ggml's NEOX mode). */
        HALVES,
        /** Element {@code 2i} pairs with {@code 2i+1} (ggml's normal mode, used by GGUF files of arch llama). */
        ADJACENT
    }

    /** A Hugging Face config: rotate_half RoPE, no per-frequency factors. */
    public ModelConfig(Architecture architecture, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, int vocabSize, int maxPositionEmbeddings, float rmsNormEps,
                       float ropeTheta, RopeScaling ropeScaling, boolean tieWordEmbeddings, boolean qkvBias,
                       int bosTokenId, List<Integer> eosTokenIds) {
        this(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, qkvBias, bosTokenId,
                eosTokenIds, RopeStyle.HALVES, null);
    }

    /** Llama 3.x rope scaling ({@code rope_type: "llama3"}). */
    public record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalMaxPositionEmbeddings) {
        /** Values that would turn the inverse frequencies infinite or NaN (and so every logit NaN) are refused. */
        public RopeScaling {
            if (!(factor > 0) || Float.isInfinite(factor)) {
                throw new IllegalArgumentException("config.json: rope_scaling.factor must be a positive number, got " + factor);
            }
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Float.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("config.json: rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
                        + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalMaxPositionEmbeddings < 1) {
                throw new IllegalArgumentException("config.json: rope_scaling.original_max_position_embeddings must be positive, got "
                        + originalMaxPositionEmbeddings);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DIM = 1 << 20;

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        java.util.Objects.requireNonNull(ropeStyle, "ropeStyle");
        if (ropeFreqFactors != null) {
            ropeFreqFactors = ropeFreqFactors.clone();
            if (ropeFreqFactors.length != headDim / 2) {
                throw new IllegalArgumentException("rope frequency factors: " + ropeFreqFactors.length + " given, head_dim/2 = "
                        + headDim / 2 + " needed");
            }
            for (float f : ropeFreqFactors) {
                if (!(f > 0) || Float.isInfinite(f)) throw new IllegalArgumentException("rope frequency factors must be positive and finite");
            }
        }
        requireRange("hidden_size", hiddenSize, 1, MAX_DIM);
        requireRange("intermediate_size", intermediateSize, 1, MAX_DIM * 4);
        requireRange("num_hidden_layers", numLayers, 1, 1024);
        requireRange("num_attention_heads", numHeads, 1, 4096);
        requireRange("num_key_value_heads", numKvHeads, 1, numHeads);
        requireRange("head_dim", headDim, 2, 4096);
        requireRange("vocab_size", vocabSize, 1, 1 << 24);
        // The default context derives from it, so a bad value would only surface at the first request.
        requireRange("max_position_embeddings", maxPositionEmbeddings, 1, Integer.MAX_VALUE);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("config.json: num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("config.json: head_dim must be even, got " + headDim);
        if (!(rmsNormEps > 0)) throw new IllegalArgumentException("config.json: rms_norm_eps must be positive");
        if (!(ropeTheta > 0)) throw new IllegalArgumentException("config.json: rope_theta must be positive");
    }

    @Override
    public float[] ropeFreqFactors() {
        return ropeFreqFactors == null ? null : ropeFreqFactors.clone();
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public static ModelConfig read(Path configJson) throws IOException {
        return read(configJson, Files.readAllBytes(configJson));
    }

    /** Parses {@code bytes}, a config.json that messages call {@code configJson}. */
    public static ModelConfig read(Path configJson, byte[] bytes) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(configJson + ": " + JsonErrors.describe(e), e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IOException(configJson + ": " + e.getMessage(), e);
        }
    }

    public static ModelConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException("config.json must be a JSON object");
        JsonNode archs = root.path("architectures");
        if (!archs.isArray() || archs.isEmpty()) throw new IllegalArgumentException("config.json has no 'architectures'");
        ArchitectureSupport support = ArchitectureSupport.forHfName(archs.get(0).asText());
        int hidden = requiredInt(root, "hidden_size");
        int heads = requiredInt(root, "num_attention_heads");
        int kvHeads = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                ? requiredInt(root, "num_key_value_heads") : heads;
        int headDim = root.hasNonNull("head_dim") ? requiredInt(root, "head_dim") : (heads > 0 ? hidden / heads : 0);
        RopeScaling scaling = null;
        JsonNode rs = root.path("rope_scaling");
        if (rs.isObject()) {
            String type = rs.path("rope_type").asText(rs.path("type").asText(""));
            if (type.equals("llama3") && support.ropeScalingTypes().contains(type)) {
                scaling = new RopeScaling((float) rs.path("factor").asDouble(8.0), (float) rs.path("low_freq_factor").asDouble(1.0),
                        (float) rs.path("high_freq_factor").asDouble(4.0), rs.path("original_max_position_embeddings").asInt(8192));
            } else if (!type.isEmpty() && !type.equals("default")) {
                throw new IllegalArgumentException("unsupported rope_scaling type '" + type + "'");
            }
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = root.path("eos_token_id");
        if (eosNode.isArray()) eosNode.forEach(n -> eos.add(n.asInt()));
        else if (eosNode.isIntegralNumber()) eos.add(eosNode.asInt());
        int positions = root.path("max_position_embeddings").asInt(2048);
        int window = slidingWindow(root, support.slidingWindow());
        // Attention spans the whole context, which gives a sliding-window model's output only within its window.
        if (window > 0 && window < positions) positions = window;
        return new ModelConfig(support.architecture(), hidden, requiredInt(root, "intermediate_size"), requiredInt(root, "num_hidden_layers"),
                heads, kvHeads, headDim, requiredInt(root, "vocab_size"), positions,
                (float) root.path("rms_norm_eps").asDouble(1e-6), (float) root.path("rope_theta").asDouble(10000.0), scaling,
                root.path("tie_word_embeddings").asBoolean(support.defaultTiedEmbeddings()),
                root.path("attention_bias").asBoolean(support.defaultQkvBias()),
                root.path("bos_token_id").asInt(-1), eos);
    }

    /** The attention window, or 0 when the architecture ignores sliding_window or the model does not set one. */
    private static int slidingWindow(JsonNode root, ArchitectureSupport.SlidingWindow rule) {
        if (!root.hasNonNull("sliding_window")) return 0;
        boolean applies = switch (rule) {
            case ALWAYS -> true;
            case WHEN_ENABLED -> root.path("use_sliding_window").asBoolean(false);
            case NEVER -> false;
        };
        return applies ? requiredInt(root, "sliding_window") : 0;
    }

    private static int requiredInt(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException("config.json field '" + field + "' must be an integer");
        }
        return n.asInt();
    }

    private static void requireRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("config.json field '" + field + "' = " + value + " is outside [" + min + ", " + max + "]");
        }
    }
}
