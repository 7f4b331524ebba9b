package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.util.List;

/** Ollama's {@code options} (the ones Bastion honours; others are ignored, as Ollama does); null: not given. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Options(Double temperature,
                      @JsonProperty("top_k") Integer topK,
                      @JsonProperty("top_p") Double topP,
                      @JsonProperty("min_p") Double minP,
                      @JsonProperty("repeat_penalty") Double repeatPenalty,
                      @JsonProperty("repeat_last_n") Integer repeatLastN,
                      Long seed,
                      @JsonProperty("num_predict") Integer numPredict,
                      @JsonProperty("num_ctx") Integer numCtx,
                      @JsonDeserialize(using = StringOrStrings.class) List<String> stop,
                      @JsonProperty("presence_penalty") Double presencePenalty,
                      @JsonProperty("frequency_penalty") Double frequencyPenalty,
                      @JsonProperty("typical_p") Double typicalP,
                      @JsonProperty("num_keep") Integer numKeep) {

    public static final Options NONE = new Options(null, null, null, null, null, null, null, null, null, null);

    /** Without the presence, frequency, typical_p and num_keep options. */
    public Options(Double temperature, Integer topK, Double topP, Double minP, Double repeatPenalty, Integer repeatLastN,
                   Long seed, Integer numPredict, Integer numCtx, List<String> stop) {
        this(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, numPredict, numCtx, stop, null, null, null, null);
    }
}
