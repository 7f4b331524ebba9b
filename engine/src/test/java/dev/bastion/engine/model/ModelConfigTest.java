package dev.bastion.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** config.json comes with downloaded models: values that would only fail at the first request are refused at load. */
class ModelConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode llama() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 2)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("vocab_size", 256)
                .put("max_position_embeddings", 512);
        return c;
    }

    @Test
    void aValidConfigReadsItsPositions() {
        assertThat(ModelConfig.fromJson(llama()).maxPositionEmbeddings()).isEqualTo(512);
        assertThat(ModelConfig.fromJson(llama()).headDim()).isEqualTo(16);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void nonPositiveMaxPositionEmbeddingsIsRefusedByName(int positions) {
        ObjectNode c = llama().put("max_position_embeddings", positions);
        assertThatThrownBy(() -> ModelConfig.fromJson(c))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_position_embeddings").hasMessageContaining(String.valueOf(positions));
    }

    /** A zero factor made every inverse frequency infinite and every logit NaN; equal band factors divide by zero. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"rope_type\":\"llama3\",\"factor\":0}|rope_scaling.factor",
            "{\"rope_type\":\"llama3\",\"factor\":-8}|rope_scaling.factor",
            "{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":4,\"high_freq_factor\":4}|low_freq_factor",
            "{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":0,\"high_freq_factor\":4}|low_freq_factor",
            "{\"rope_type\":\"llama3\",\"factor\":8,\"original_max_position_embeddings\":0}|original_max_position_embeddings"})
    void invalidLlama3RopeScalingIsRefusedByField(String caseSpec) throws Exception {
        String[] parts = caseSpec.split("\\|");
        ObjectNode c = llama();
        c.set("rope_scaling", JSON.readTree(parts[0]));
        assertThatThrownBy(() -> ModelConfig.fromJson(c))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(parts[1]);
    }

    @Test
    void validLlama3RopeScalingGivesFiniteFrequencies() {
        ObjectNode c = llama();
        c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        ModelConfig config = ModelConfig.fromJson(c);
        for (float f : RotaryEmbedding.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling())) {
            assertThat(f).isFinite().isPositive();
        }
    }

    /**
     * Attention spans the whole context, which equals a sliding-window model's only while the context fits in the
     * window: a Mistral v0.1-style config (window 4096, 32768 positions) must not offer positions beyond its window.
     */
    @Test
    void aSlidingWindowLimitsThePositions() {
        ObjectNode mistral = llama().put("max_position_embeddings", 32768).put("sliding_window", 4096);
        mistral.remove("architectures");
        mistral.putArray("architectures").add("MistralForCausalLM");
        assertThat(ModelConfig.fromJson(mistral).maxPositionEmbeddings()).isEqualTo(4096);
        assertThat(ModelConfig.fromJson(mistral.putNull("sliding_window")).maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(ModelConfig.fromJson(mistral.put("sliding_window", 65536)).maxPositionEmbeddings()).isEqualTo(32768);

        // Qwen2 configs carry a sliding_window that applies only with use_sliding_window.
        ObjectNode qwen = llama().put("max_position_embeddings", 32768).put("sliding_window", 4096).put("use_sliding_window", false);
        qwen.remove("architectures");
        qwen.putArray("architectures").add("Qwen2ForCausalLM");
        assertThat(ModelConfig.fromJson(qwen).maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(ModelConfig.fromJson(qwen.put("use_sliding_window", true)).maxPositionEmbeddings()).isEqualTo(4096);
    }
}
