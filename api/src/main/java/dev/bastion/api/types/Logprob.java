package dev.bastion.api.types;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bastion.engine.generate.TokenLogprob;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Ollama's {@code Logprob} (api/types.go), also the entries of OpenAI's {@code logprobs.content}: a generated token,
 * its log probability, its UTF-8 bytes and, when asked for, the most likely alternatives.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Logprob(String token, double logprob, int[] bytes, @JsonProperty("top_logprobs") List<Logprob> topLogprobs) {

    /** Ollama's shape: {@code top_logprobs} left out when none were asked for. */
    public static Logprob of(TokenLogprob lp) {
        List<Logprob> top = lp.top().stream().map(t -> new Logprob(t.token(), t.logprob(), bytes(t.token()), null)).toList();
        return new Logprob(lp.token(), lp.logprob(), bytes(lp.token()), top.isEmpty() ? null : top);
    }

    /** OpenAI's shape: {@code top_logprobs} always an array. */
    public Logprob withTopAlways() {
        return new Logprob(token, logprob, bytes, topLogprobs == null ? List.of() : topLogprobs.stream()
                .map(t -> new Logprob(t.token, t.logprob, t.bytes, null)).toList());
    }

    private static int[] bytes(String token) {
        byte[] utf8 = token.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = utf8[i] & 0xff;
        return out;
    }
}
