package dev.bastion.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** A text completion, whole or as a streamed chunk (then {@code usage} only in the last one, and only when asked for). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Completion(String id, String object, long created, String model,
                         @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices, Usage usage) {

    /** {@code logprobs} null unless asked for; {@code finish_reason} null until the end. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, String text, Logprobs logprobs, @JsonProperty("finish_reason") String finishReason) {}

    /** OpenAI's legacy completion log probabilities: parallel arrays over the tokens, alternatives as token → logprob. */
    public record Logprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
                           @JsonProperty("top_logprobs") List<java.util.Map<String, Double>> topLogprobs,
                           @JsonProperty("text_offset") List<Integer> textOffset) {

        /** {@code offset}: where the first token's text starts in the whole reply. */
        public static Logprobs of(List<dev.bastion.api.types.Logprob> logprobs, int offset) {
            List<String> tokens = new java.util.ArrayList<>();
            List<Double> values = new java.util.ArrayList<>();
            List<java.util.Map<String, Double>> top = new java.util.ArrayList<>();
            List<Integer> offsets = new java.util.ArrayList<>();
            for (dev.bastion.api.types.Logprob lp : logprobs) {
                tokens.add(lp.token());
                values.add(lp.logprob());
                java.util.Map<String, Double> alternatives = new java.util.LinkedHashMap<>();
                if (lp.topLogprobs() != null) lp.topLogprobs().forEach(t -> alternatives.putIfAbsent(t.token(), t.logprob()));
                top.add(alternatives);
                offsets.add(offset);
                offset += lp.token().length();
            }
            return new Logprobs(tokens, values, top, offsets);
        }
    }
}
