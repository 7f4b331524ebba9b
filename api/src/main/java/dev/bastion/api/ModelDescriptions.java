package dev.bastion.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.engine.model.ArchitectureSupport;
import dev.bastion.engine.model.ModelConfig;
import dev.bastion.engine.template.ModelCapabilities;
import dev.bastion.engine.tokenizer.TokenizerConfig;
import dev.bastion.store.LayerType;
import dev.bastion.store.ModelDetails;
import dev.bastion.store.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code /api/show} and {@code /api/tags} say about a stored model beyond its manifest: Ollama's
 * {@code model_info} (from config.json) and its capabilities (from the templates and tokenizer_config.json's added
 * tokens). Read from small layers, never from the weights, and kept per manifest digest (a digest names fixed content).
 */
final class ModelDescriptions {

    private static final Logger LOG = LoggerFactory.getLogger(ModelDescriptions.class);
    /** config.json and tokenizer_config.json are kilobytes; anything far larger is not read for a listing. */
    private static final long MAX_SMALL_LAYER = 8L << 20;
    private static final long MAX_TOKENIZER = 64L << 20;
    private static final int MAX_CACHED = 1024;

    record Description(List<String> capabilities, Map<String, Object> modelInfo) {}

    private final ModelStore store;
    private final Map<String, Description> byDigest = new ConcurrentHashMap<>();

    ModelDescriptions(ModelStore store) {
        this.store = store;
    }

    Description of(ModelDetails d) {
        Description cached = byDigest.get(d.digest());
        if (cached != null) return cached;
        Description fresh = read(d);
        if (byDigest.size() >= MAX_CACHED) byDigest.clear();
        byDigest.put(d.digest(), fresh);
        return fresh;
    }

    private Description read(ModelDetails d) {
        Map<String, Object> info = new LinkedHashMap<>();
        String chatTemplate = null;
        List<String> specialTokens = new ArrayList<>();
        try {
            var gguf = d.format().equals("gguf") ? store.ggufSummary(d.name()) : java.util.Optional.<dev.bastion.store.GgufSummary>empty();
            if (gguf.isPresent()) {
                // A GGUF model's header holds it all: Ollama's model_info is its metadata.
                info.putAll(gguf.get().modelInfo());
                chatTemplate = gguf.get().chatTemplate();
                specialTokens.addAll(gguf.get().controlTokens());
            } else {
                JsonNode config = JsonFields.MAPPER.readTree(store.readLayer(d.name(), LayerType.CONFIG, MAX_SMALL_LAYER).orElseThrow());
                info.putAll(modelInfo(ModelConfig.fromJson(config)));
                var tokenizerConfig = store.readLayer(d.name(), LayerType.TOKENIZER_CONFIG, MAX_SMALL_LAYER);
                if (tokenizerConfig.isPresent()) {
                    String json = new String(tokenizerConfig.get(), java.nio.charset.StandardCharsets.UTF_8);
                    chatTemplate = TokenizerConfig.parse(json).chatTemplate();
                    specialTokens.addAll(addedTokens(JsonFields.MAPPER.readTree(json)));
                }
            }
        } catch (IOException | RuntimeException e) {
            // A model whose small files cannot be read still lists; it loads (and fails) with its own error.
            LOG.warn("cannot describe model {}: {}", d.name(), e.toString());
        }
        List<String> capabilities = ModelCapabilities.detect(chatTemplate, d.template(), specialTokens).stream()
                .map(ModelCapabilities.Capability::wireName).toList();
        return new Description(capabilities, info);
    }

    /** Ollama's keys for a safetensors model (x/server/show.go's buildModelInfo), with the engine's parameter count. */
    static Map<String, Object> modelInfo(ModelConfig c) {
        String arch = c.architecture().name().toLowerCase(Locale.ROOT);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("general.architecture", arch);
        info.put("general.parameter_count", ArchitectureSupport.parameterCount(c));
        info.put(arch + ".context_length", c.maxPositionEmbeddings());
        info.put(arch + ".embedding_length", c.hiddenSize());
        info.put(arch + ".block_count", c.numLayers());
        info.put(arch + ".attention.head_count", c.numHeads());
        info.put(arch + ".attention.head_count_kv", c.numKvHeads());
        info.put(arch + ".attention.key_length", c.headDim());
        info.put(arch + ".attention.value_length", c.headDim());
        info.put(arch + ".attention.layer_norm_rms_epsilon", c.rmsNormEps());
        info.put(arch + ".feed_forward_length", c.intermediateSize());
        info.put(arch + ".rope.freq_base", c.ropeTheta());
        info.put(arch + ".vocab_size", c.vocabSize());
        info.put("tokenizer.ggml.bos_token_id", c.bosTokenId());
        if (!c.eosTokenIds().isEmpty()) info.put("tokenizer.ggml.eos_token_id", c.eosTokenIds().getFirst());
        return info;
    }

    /** tokenizer_config.json's added tokens ({@code added_tokens_decoder}) and {@code additional_special_tokens}. */
    private static List<String> addedTokens(JsonNode root) {
        List<String> tokens = new ArrayList<>();
        JsonNode decoder = root.path("added_tokens_decoder");
        decoder.forEach(t -> {
            if (t.path("content").isTextual()) tokens.add(t.get("content").asText());
        });
        root.path("additional_special_tokens").forEach(t -> {
            if (t.isTextual()) tokens.add(t.asText());
            else if (t.path("content").isTextual()) tokens.add(t.get("content").asText());
        });
        return tokens;
    }

    /** tokenizer.json's vocabulary and added tokens, in id order (gaps left out). */
    List<String> vocabulary(ModelDetails d) {
        try {
            var bytes = store.readLayer(d.name(), LayerType.TOKENIZER, MAX_TOKENIZER);
            if (bytes.isEmpty()) return List.of();
            JsonNode root = JsonFields.MAPPER.readTree(bytes.get());
            java.util.TreeMap<Integer, String> byId = new java.util.TreeMap<>();
            root.path("model").path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
            root.path("added_tokens").forEach(t -> byId.put(t.path("id").asInt(), t.path("content").asText()));
            return List.copyOf(byId.values());
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the vocabulary of model {}: {}", d.name(), e.toString());
            return List.of();
        }
    }
}
