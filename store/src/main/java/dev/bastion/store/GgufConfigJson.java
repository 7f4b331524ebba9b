package dev.bastion.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.engine.format.Checkpoint;
import dev.bastion.engine.format.GgufFormat;
import dev.bastion.engine.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF weights file described as the Hugging Face style config the store keeps as a model's config layer (what
 * {@code show} and {@code list} read without loading the weights). Reading it validates the file's header, metadata
 * and tensor table, so a blob that is no loadable GGUF is refused before it becomes a model.
 */
public final class GgufConfigJson {

    /** The config layer's file name: not config.json, whose presence would make the model's directory a SafeTensors one. */
    public static final String FILE_NAME = "gguf-config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufConfigJson() {}

    public static byte[] of(Path gguf) throws IOException {
        ModelConfig c;
        try (Checkpoint checkpoint = new GgufFormat().read(gguf)) {
            c = checkpoint.config();
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidModelException("the model is not a GGUF file Bastion can load: " + e.getMessage(), e);
        }
        ObjectNode out = JSON.createObjectNode();
        out.putArray("architectures").add(c.architecture().hfName());
        out.put("model_format", "gguf")
                .put("hidden_size", c.hiddenSize())
                .put("intermediate_size", c.intermediateSize())
                .put("num_hidden_layers", c.numLayers())
                .put("num_attention_heads", c.numHeads())
                .put("num_key_value_heads", c.numKvHeads())
                .put("head_dim", c.headDim())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxPositionEmbeddings())
                .put("rms_norm_eps", c.rmsNormEps())
                .put("rope_theta", c.ropeTheta())
                .put("tie_word_embeddings", c.tieWordEmbeddings())
                .put("attention_bias", c.qkvBias())
                .put("bos_token_id", c.bosTokenId());
        out.putArray("eos_token_id").addAll(c.eosTokenIds().stream().map(JSON.getNodeFactory()::numberNode).toList());
        if (c.ropeScaling() != null) {
            out.putObject("rope_scaling").put("rope_type", "llama3").put("factor", c.ropeScaling().factor())
                    .put("low_freq_factor", c.ropeScaling().lowFreqFactor()).put("high_freq_factor", c.ropeScaling().highFreqFactor())
                    .put("original_max_position_embeddings", c.ropeScaling().originalMaxPositionEmbeddings());
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out);
    }
}
